"""Class labels of MultiGranularityClassifier: checks, encoding and class weights."""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from .documents import check_documents


def check_training_data(X, y, estimator_name):
    """Documents and 1-D classification labels of the same, non-zero length.

    Parameters
    ----------
    X : TokenizedDocuments
        The documents.
    y : array-like of shape (n_documents,)
        Their labels.
    estimator_name : str
        The estimator's name, for the messages.

    Returns
    -------
    X : TokenizedDocuments
    y : ndarray of shape (n_documents,)

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> X = TokenizedDocuments.from_nested([[[[2]]], [[[2]]]], {"a": 2})
    >>> check_training_data(X, ["a", "b"], "MultiGranularityClassifier")[1]
    array(['a', 'b'], dtype='<U1')
    """
    X = check_documents(X, estimator_name)
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


def fit_label_encoder(y, classes=None):
    """A LabelEncoder of ``classes`` (or of the labels in ``y``) that checks ``y`` against them.

    Parameters
    ----------
    y : ndarray of shape (n_documents,)
        The labels of a first training call.
    classes : array-like or None, default=None
        All classes, when ``y`` may lack some.

    Returns
    -------
    sklearn.preprocessing.LabelEncoder

    Examples
    --------
    >>> fit_label_encoder(np.array(["b", "a"]), classes=["a", "b", "c"]).classes_.tolist()
    ['a', 'b', 'c']
    """
    encoder = LabelEncoder().fit(y if classes is None else classes)
    if len(encoder.classes_) < 2:
        raise ValueError(
            "The number of classes has to be greater than one; got 1 class: "
            f"{encoder.classes_[0]!r}."
        )
    encode_labels(encoder, y)
    return encoder


def encode_labels(encoder, y):
    """The class index of every label in ``y``; raise for labels the encoder never saw.

    Parameters
    ----------
    encoder : sklearn.preprocessing.LabelEncoder
        From :func:`fit_label_encoder`.
    y : ndarray of shape (n_documents,)
        Labels.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> encode_labels(fit_label_encoder(np.array(["b", "a"])), ["b", "b"]).tolist()
    [1, 1]
    """
    unseen = np.setdiff1d(np.unique(y), encoder.classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels not seen in the first fit: {unseen[:5].tolist()}. Pass all "
            "classes to the first partial_fit call with classes=."
        )
    return encoder.transform(y).astype(np.int64)


def class_weights(class_weight, classes, y):
    """The loss weight of each class, from ``class_weight`` and the labels ``y``.

    Parameters
    ----------
    class_weight : "balanced" or dict
        As in scikit-learn: ``"balanced"`` weighs each class by
        ``n_documents / (n_classes * count in y)``.
    classes : ndarray
        All classes, in the order of the network's outputs.
    y : ndarray of shape (n_documents,)
        The labels the weights are computed from; with ``"balanced"`` they
        must hold every class.

    Returns
    -------
    ndarray of float64, shape (n_classes,)

    Examples
    --------
    >>> class_weights("balanced", np.array(["a", "b"]), np.array(["a", "a", "a", "b"])).tolist()
    [0.6666666666666666, 2.0]
    """
    missing = np.setdiff1d(classes, y)
    if class_weight == "balanced" and missing.size:
        raise ValueError(
            "class_weight='balanced' weighs classes by their frequency in y, which lacks "
            f"{missing[:5].tolist()}. Include every class in the y of the first call, or pass "
            "class_weight as a dict."
        )
    return compute_class_weight(class_weight, classes=classes, y=y)
