"""Grid search and cross-validation on a Dask cluster through joblib's Dask backend."""

import itertools
import logging

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import make_hierarchical_documents

TINY = dict(
    embedding_dim=8,
    hidden_size=8,
    max_epochs=2,
    batch_size=8,
    sentence_model="untrained",
    random_state=0,
)
GRID = {"classifier__hidden_size": [4, 8], "classifier__lr": [0.002, 0.02]}
N_CANDIDATES = len(list(itertools.product(*GRID.values())))
CV = 2
# log loss is continuous, so equal scores mean equal predicted probabilities
SCORING = ("accuracy", "neg_log_loss")


@pytest.fixture(scope="module")
def corpus():
    return make_hierarchical_documents(40, random_state=0)


def grid_search(corpus, **pipeline_params):
    search = GridSearchCV(
        make_mgm_pipeline(**TINY, **pipeline_params), GRID, cv=CV, scoring=SCORING, refit="accuracy"
    )
    return search.fit(*corpus)


@pytest.fixture(scope="module")
def sequential_search(corpus):
    return grid_search(corpus)


def on_dask(dask_client, function, *args, **kwargs):
    """Run ``function`` under joblib's Dask backend; return its result and the tasks run."""
    with get_task_stream(dask_client) as tasks, joblib.parallel_config(backend="dask"):
        result = function(*args, **kwargs)
    return result, tasks.data


def assert_same_scores(results, expected):
    assert results["params"] == expected["params"]
    for split in range(CV):
        for metric in SCORING:
            key = f"split{split}_test_{metric}"
            np.testing.assert_allclose(results[key], expected[key], rtol=1e-5, err_msg=key)


def test_grid_search_on_dask_matches_the_sequential_run(dask_client, corpus, sequential_search):
    search, tasks = on_dask(dask_client, grid_search, corpus)
    assert {task["worker"] for task in tasks} == set(dask_client.scheduler_info()["workers"])
    assert_same_scores(search.cv_results_, sequential_search.cv_results_)
    assert search.best_params_ == sequential_search.best_params_
    # the scores differ between candidates, so equal results are not a coincidence
    assert len(set(sequential_search.cv_results_["mean_test_neg_log_loss"])) == N_CANDIDATES


def test_cross_val_score_on_dask_matches_the_sequential_run(dask_client, corpus, sequential_search):
    params = {"classifier__hidden_size": 8, "classifier__lr": 0.002}
    pipe = make_mgm_pipeline(**TINY).set_params(**params)
    scores, tasks = on_dask(
        dask_client, cross_val_score, pipe, *corpus, cv=CV, scoring="neg_log_loss"
    )
    assert tasks
    candidate = sequential_search.cv_results_["params"].index(params)
    expected = [
        sequential_search.cv_results_[f"split{split}_test_neg_log_loss"][candidate]
        for split in range(CV)
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_pipeline_memory_tokenizes_each_fold_once(dask_client, corpus, sequential_search, tmp_path):
    search, _ = on_dask(dask_client, grid_search, corpus, memory=str(tmp_path))
    # N_CANDIDATES * CV + 1 pipeline fits; one tokenizer per fold plus one for the refit
    assert len(joblib.Memory(tmp_path).store_backend.get_items()) == CV + 1
    assert_same_scores(search.cv_results_, sequential_search.cv_results_)


def test_seeded_fit_refuses_a_worker_that_runs_fits_in_threads(corpus):
    # threads of one process share torch's random generator: a seed cannot hold there
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as threaded,
    ):
        seeded = threaded.submit(make_mgm_pipeline(**TINY).fit, *corpus)
        with pytest.raises(ValueError, match="one thread each"):
            seeded.result()
        # unseeded, it trains; its result cannot be compared with a run elsewhere
        unseeded = make_mgm_pipeline(**{**TINY, "random_state": None})
        history = threaded.submit(unseeded.fit, *corpus).result()[-1].history_
        assert history[:, "epoch"] == list(range(1, TINY["max_epochs"] + 1))
        assert np.isfinite(history[:, "train_loss"]).all()
