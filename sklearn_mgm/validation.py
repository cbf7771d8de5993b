"""Input checks of MultiGranularityClassifier: documents, labels, vocabulary, granularities."""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from .documents import TokenizedDocuments
from .network import GRANULARITIES


def _check_granularities(granularities):
    """The ``granularities`` parameter as a tuple; raise if it is empty, unknown or repeated."""
    given = granularities
    if isinstance(granularities, str):
        granularities = (granularities,)
    granularities = tuple(granularities)
    if not granularities or not set(granularities) <= set(GRANULARITIES):
        raise ValueError(
            "granularities must be a non-empty tuple drawn from "
            f"{GRANULARITIES}, e.g. ('word', 'sentence'); got {given!r}."
        )
    if len(set(granularities)) != len(granularities):
        raise ValueError(f"granularities has duplicates: {given!r}.")
    return granularities


def _check_documents(X, estimator_name):
    """``X`` if it is TokenizedDocuments; raise a TypeError that says how to get them."""
    if isinstance(X, TokenizedDocuments):
        return X
    hint = f"{estimator_name} expects TokenizedDocuments, the output of HierarchicalTokenizer; got "
    if isinstance(X, str) or (
        hasattr(X, "__len__") and len(X) and isinstance(next(iter(X), None), str)
    ):
        raise TypeError(
            hint + "raw text. Put HierarchicalTokenizer in front of the classifier, e.g. "
            "make_pipeline(HierarchicalTokenizer(), MultiGranularityClassifier()), or use "
            "make_mgm_pipeline()."
        )
    raise TypeError(hint + f"{type(X).__name__}.")


def _check_training_data(X, y, estimator_name):
    """Documents and 1d classification labels of the same, non-zero length."""
    X = _check_documents(X, estimator_name)
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but y is None.")
    y = column_or_1d(np.asarray(y), warn=True)
    check_consistent_length(X, y)
    if not len(X):
        raise ValueError(
            f"Found 0 documents while a minimum of 1 is required by {estimator_name}.fit."
        )
    check_classification_targets(y)
    return X, y


def _check_vocabulary(X, vocabulary):
    """Raise if ``X`` was tokenized with another vocabulary than the fitted ``vocabulary``."""
    if X.vocabulary is vocabulary or X.vocabulary == vocabulary:
        return
    raise ValueError(
        f"X was tokenized with a different vocabulary ({len(X.vocabulary)} words) from "
        f"the one this classifier was fitted on ({len(vocabulary)} words). Transform "
        "texts with the HierarchicalTokenizer fitted with it (a Pipeline does this)."
    )


def _check_known_labels(y, classes):
    """Raise if ``y`` holds labels outside the ``classes`` learned in the first fit."""
    unseen = np.setdiff1d(np.unique(y), classes)
    if unseen.size:
        raise ValueError(
            f"y contains labels not seen in the first fit: {unseen[:5].tolist()}. Pass all "
            "classes to the first partial_fit call with classes=."
        )
