"""Timing shared by the benchmark scripts of this folder."""

import time


def best_of(repeats, run):
    """The best wall-clock seconds of ``repeats`` calls of ``run``, and the last result.

    Examples
    --------
    >>> seconds, result = best_of(2, lambda: 41 + 1)
    >>> result, seconds >= 0
    (42, True)
    """
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result
