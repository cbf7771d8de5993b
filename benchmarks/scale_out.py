"""Wall time of one grid search: sequential, on local processes (loky) and on a Dask cluster.

Run with ``python benchmarks/scale_out.py``. The search is ``GridSearchCV`` of
``make_mgm_pipeline`` over 4 candidates x 3 folds (12 fits, ``refit=False``)
on 300 BBC News articles with a small network; the tokenizer is fitted on
each training fold. The cases:

- sequential;
- ``n_jobs=2`` on joblib's default backend (loky: two local processes);
- ``joblib.parallel_config(backend="dask")`` on a ``distributed.LocalCluster``
  of 2 single-threaded worker processes (start-up timed apart);
- the Pipeline ``memory=`` cache, which fits the tokenizer once per fold
  instead of once per candidate and fold, sequentially and on Dask.

Every fit uses one torch thread (the classifier's default ``torch_threads=1``).
Each case runs ``REPEATS`` times and the best time counts; every case must give
the sequential run's scores.
"""

import os
import platform
import tempfile
import time

import joblib
import numpy as np
import sklearn
import torch
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, train_test_split
from timing import best_of

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news

REPEATS = 2
N_DOCUMENTS = 300
CV = 3
MODEL = dict(embedding_dim=32, max_epochs=2, batch_size=32, random_state=0)
GRID = {"classifier__hidden_size": [8, 16], "classifier__lr": [0.002, 0.01]}


def grid_search(texts, y, memory=None, n_jobs=None):
    search = GridSearchCV(
        make_mgm_pipeline(memory=memory, **MODEL), GRID, cv=CV, refit=False, n_jobs=n_jobs
    )
    return search.fit(texts, y)


def with_fresh_cache(run):
    """``run(memory)`` with an empty cache directory; returns the result and the cache size."""
    with tempfile.TemporaryDirectory() as cache:
        result = run(cache)
        return result, len(joblib.Memory(cache).store_backend.get_items())


def main():
    load_before = os.getloadavg()[0]
    bunch = load_bbc_news()
    texts, _, y, _ = train_test_split(
        bunch.data, bunch.target, train_size=N_DOCUMENTS, stratify=bunch.target, random_state=0
    )
    n_candidates = len(GRID["classifier__hidden_size"]) * len(GRID["classifier__lr"])
    rows, cache_rows, results = [], [], {}

    def case(name, run):
        seconds, results[name] = best_of(REPEATS, run)
        rows.append((name, seconds))
        return seconds

    def cached_case(name, seconds_without, run):
        seconds, (result, entries) = best_of(REPEATS, lambda: with_fresh_cache(run))
        results[f"{name}, memory="] = result
        cache_rows.append((name, seconds_without, seconds, entries))

    sequential = case("sequential", lambda: grid_search(texts, y))
    case("`n_jobs=2` (loky, 2 processes)", lambda: grid_search(texts, y, n_jobs=2))
    cached_case("sequential", sequential, lambda cache: grid_search(texts, y, memory=cache))

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):
        client.wait_for_workers(2)
        startup = time.perf_counter() - start
        on_dask = case("Dask `LocalCluster`, 2 workers x 1 thread", lambda: grid_search(texts, y))
        cached_case("Dask, 2 workers", on_dask, lambda cache: grid_search(texts, y, memory=cache))

    expected = results["sequential"].cv_results_["mean_test_score"]
    for name, result in results.items():
        if not np.allclose(result.cv_results_["mean_test_score"], expected):
            raise AssertionError(f"{name} gave other scores than the sequential run.")
    for name, _, _, entries in cache_rows:
        if entries != CV:
            raise AssertionError(f"{name}: {entries} cached tokenizers, expected one per fold.")

    print(
        f"BBC News, {N_DOCUMENTS} documents; GridSearchCV {n_candidates} candidates x {CV} folds "
        f"(refit=False), {MODEL}; Python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}, {os.cpu_count()} CPUs; "
        f"best of {REPEATS}; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after. Dask cluster start-up (not included): {startup:.1f} s. "
        "Every case gave the sequential run's scores.\n"
    )
    print("| setup | seconds | speed-up vs sequential |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {sequential / seconds:.2f}x |")
    print()
    print("| Pipeline `memory=` cache | tokenizer fits | seconds without | seconds with | saving |")
    print("|---|---:|---:|---:|---:|")
    for name, without, with_cache, entries in cache_rows:
        print(
            f"| {name} | {n_candidates * CV} → {entries} | {without:.1f} | {with_cache:.1f} "
            f"| {1 - with_cache / without:.0%} |"
        )


if __name__ == "__main__":
    main()
