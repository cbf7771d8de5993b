import numpy as np
import pytest

from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier
from sklearn_mgm.batching import DocumentBatch
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.network import MultiGranularityNetwork

accelerate = pytest.importorskip(
    "accelerate",
    reason="the accelerate extra is not installed: pip install 'sklearn-mgm[accelerate]'",
)
from accelerate.data_loader import DataLoaderShard  # noqa: E402

from sklearn_mgm.accelerate import AcceleratedMultiGranularityClassifier  # noqa: E402

SMALL = dict(embedding_dim=8, hidden_size=8, max_epochs=2, batch_size=8, random_state=0)


@pytest.fixture(scope="module")
def data():
    texts, y = make_hierarchical_documents(40, random_state=0)
    return HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts), y


def accelerated(**params):
    return AcceleratedMultiGranularityClassifier(
        accelerator=accelerate.Accelerator(cpu=True), **{**SMALL, **params}
    )


@pytest.fixture(scope="module")
def fitted(data):
    return accelerated().fit(*data)


def test_trains_the_same_network_as_the_plain_classifier_in_one_process(data, fitted):
    X, y = data
    plain = MultiGranularityClassifier(**SMALL).fit(X, y)
    np.testing.assert_allclose(fitted.history[:, "train_loss"], plain.history[:, "train_loss"])
    np.testing.assert_allclose(fitted.predict_proba(X), plain.predict_proba(X), atol=1e-6)
    assert type(fitted.module_) is MultiGranularityNetwork  # unwrapped after training


def test_prepared_loader_yields_document_batches_on_the_accelerator_device(data, fitted):
    X, y = data
    iterator = fitted.get_iterator(fitted.get_dataset(X, y), training=True)
    assert isinstance(iterator, DataLoaderShard)
    batches = list(iterator)
    assert sum(len(documents) for documents, _ in batches) == len(X)
    documents, labels = batches[0]
    assert isinstance(documents, DocumentBatch)
    assert documents.words.device == fitted.accelerator.device
    assert len(labels) == len(documents) <= SMALL["batch_size"]


@pytest.mark.parametrize("verbose", [0, 1])
def test_epoch_log_follows_verbose(data, verbose, capsys):
    accelerated(max_epochs=1, verbose=verbose).fit(*data)
    assert ("train_loss" in capsys.readouterr().out) == bool(verbose)
