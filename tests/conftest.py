import logging

import numpy as np
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


@pytest.fixture(scope="session")
def topics():
    """Three topics, each a text of two sentences whose words no other topic uses."""
    return {
        "sport": "The striker scored a goal. The fans cheered the team.",
        "money": "Shares fell on the market. Investors sold their stock.",
        "state": "The minister passed a law. Voters elected the parliament.",
    }


@pytest.fixture(scope="session")
def topics_corpus(topics):
    """Ten numbered stories per topic and their topic labels."""
    texts = [f"{text} Story {i}." for i in range(10) for text in topics.values()]
    return texts, np.array([label for _ in range(10) for label in topics])


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
