"""Where a seeded fit may run in parallel: not in threads that share torch's random generator.

``random_state`` makes a fit reproducible by seeding torch's global random
number generator, which every thread of a process shares. Fits that run at
once in threads of one process draw from the same stream in an order that
changes from run to run. Worker processes are fine: joblib's loky backend, and
Dask workers with one thread each. A Dask worker with several threads runs as
many fits at once in one process, so a seeded fit refuses to run there.
"""

import sys


def check_seeding_is_reproducible(random_state):
    """Raise if a fit seeded with ``random_state`` runs on a multi-threaded Dask worker.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's seed; ``None`` asks for no reproducibility and passes.

    Raises
    ------
    ValueError
        When called in a task of a Dask worker with more than one thread.

    Examples
    --------
    >>> check_seeding_is_reproducible(0)  # not on a Dask worker: passes
    """
    # a Dask worker has imported distributed; elsewhere there is nothing to check
    distributed = sys.modules.get("distributed")
    if random_state is None or distributed is None:
        return
    try:
        threads = distributed.get_worker().state.nthreads
    except ValueError:  # not in a task of a worker
        return
    if threads > 1:
        raise ValueError(
            f"random_state={random_state!r} cannot make this fit reproducible: it runs on a "
            f"Dask worker with {threads} threads, whose fits run at once and share torch's "
            "random number generator. Start the workers with one thread each "
            "(LocalCluster(threads_per_worker=1), dask worker --nthreads 1), or pass "
            "random_state=None."
        )
