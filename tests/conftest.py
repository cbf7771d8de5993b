import logging

import pytest

from sklearn_mgm import HierarchicalTokenizer

TEXTS = [
    "The striker scored twice. The fans cheered loudly!\n\nThe coach praised the team.",
    "Shares fell sharply today. Investors worried about profits.",
    "The minister announced a new budget.\n\nCritics said it was weak. Voters disagreed.",
    "",
    "   \n\n  ",
    "A new phone was launched. It has a faster chip.\n\n\nReviewers liked the screen.",
]


@pytest.fixture
def texts():
    return list(TEXTS)


@pytest.fixture
def tokenizer():
    return HierarchicalTokenizer(sentence_model="untrained")


@pytest.fixture
def documents(texts, tokenizer):
    return tokenizer.fit_transform(texts)


@pytest.fixture(scope="session")
def dask_client():
    """A real local Dask cluster of two single-threaded worker processes."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        yield client
