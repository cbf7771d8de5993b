"""Class labels of MultiGranularityClassifier: checks, encoding and class weights.

Labels are one class per document (any type), or several: a binary indicator
matrix of shape (n_documents, n_labels), dense or sparse, as
:class:`~sklearn.preprocessing.MultiLabelBinarizer` makes it.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import compute_class_weight
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_consistent_length, column_or_1d

from .documents import check_documents


def check_training_data(X, y, estimator_name):
    """Documents and 1-D classification labels of the same, non-zero length.

    Parameters
    ----------
    X : TokenizedDocuments
        The documents.
    y : array-like of shape (n_documents,) or (n_documents, n_labels)
        Their labels, or a binary indicator matrix (dense or sparse) of
        several labels per document.
    estimator_name : str
        The estimator's name, for the messages.

    Returns
    -------
    X : TokenizedDocuments
    y : ndarray of shape (n_documents,) or (n_documents, n_labels)
        An indicator matrix comes back dense, as float32.

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
    if is_indicator_matrix(y):
        y = indicator_array(y)
        if not np.isin(y, (0, 1)).all():
            raise ValueError(
                "An indicator matrix of labels holds 0 and 1 only; got values "
                f"{np.unique(y)[:5].tolist()}. Make it with MultiLabelBinarizer."
            )
        check_consistent_length(X, y)
        if not len(X):
            raise ValueError(
                f"Found 0 documents while a minimum of 1 is required by {estimator_name}.fit."
            )
        return X, y
    y = column_or_1d(np.asarray(y), warn=True)
    check_consistent_length(X, y)
    if not len(X):
        raise ValueError(
            f"Found 0 documents while a minimum of 1 is required by {estimator_name}.fit."
        )
    check_classification_targets(y)
    return X, y


def is_indicator_matrix(y):
    """Whether ``y`` is a binary indicator matrix of two or more labels (dense or sparse).

    Parameters
    ----------
    y : array-like or sparse matrix

    Returns
    -------
    bool

    Examples
    --------
    >>> is_indicator_matrix([[1, 0], [1, 1]]), is_indicator_matrix(["a", "b"])
    (True, False)
    """
    if not sp.issparse(y) and np.ndim(y) != 2:
        return False
    return type_of_target(y) == "multilabel-indicator"


def indicator_array(y):
    """A binary indicator matrix as a dense float32 array.

    Examples
    --------
    >>> indicator_array(sp.csr_matrix([[1, 0], [0, 1]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return np.asarray(y.toarray() if sp.issparse(y) else y, dtype=np.float32)


class IndicatorEncoder:
    """The labels of a multi-label classifier: columns of an indicator matrix, by index.

    ``classes_`` is ``arange(n_labels)``, as in scikit-learn's MLPClassifier
    and OneVsRestClassifier for indicator targets.

    Parameters
    ----------
    n_labels : int
        Columns of the indicator matrix.

    Examples
    --------
    >>> encoder = IndicatorEncoder(3)
    >>> encoder.classes_.tolist(), encoder.transform([[1, 0, 1]]).tolist()
    ([0, 1, 2], [[1.0, 0.0, 1.0]])
    """

    def __init__(self, n_labels):
        self.classes_ = np.arange(n_labels)

    def transform(self, y):
        """``y`` as a float32 indicator matrix; raise if it has another number of labels."""
        if not is_indicator_matrix(y) or np.shape(y)[1] != len(self.classes_):
            raise ValueError(
                f"y must be a binary indicator matrix of {len(self.classes_)} labels, as in "
                f"the first fit; got {_describe_target(y)}."
            )
        return indicator_array(y)


def _describe_target(y):
    shape = np.shape(y) if sp.issparse(y) or hasattr(y, "shape") else np.shape(np.asarray(y))
    return f"{type_of_target(y)} labels of shape {shape}"


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
    if np.ndim(y) == 2:
        if classes is not None and len(classes) != y.shape[1]:
            raise ValueError(
                f"classes must name every label of the indicator matrix: {y.shape[1]} labels, "
                f"got {len(classes)} classes."
            )
        return IndicatorEncoder(y.shape[1])
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
    if isinstance(encoder, IndicatorEncoder):
        return encoder.transform(y)
    if is_indicator_matrix(y):
        raise ValueError(
            "y is a multi-label indicator matrix, but the first fit had one label per "
            "document; fit again from scratch to change the kind of labels."
        )
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
        For an indicator matrix ``y``: the weight of each label's positive
        documents in the binary cross-entropy (``pos_weight``), with
        ``"balanced"`` the label's negatives over its positives.

    Examples
    --------
    >>> class_weights("balanced", np.array(["a", "b"]), np.array(["a", "a", "a", "b"])).tolist()
    [0.6666666666666666, 2.0]
    >>> class_weights("balanced", np.arange(2), np.array([[1, 0], [1, 1], [0, 1], [1, 0]]))
    array([0.33333333, 1.        ])
    """
    if np.ndim(y) == 2:
        return _positive_weights(class_weight, classes, y)
    missing = np.setdiff1d(classes, y)
    if class_weight == "balanced" and missing.size:
        raise ValueError(
            "class_weight='balanced' weighs classes by their frequency in y, which lacks "
            f"{missing[:5].tolist()}. Include every class in the y of the first call, or pass "
            "class_weight as a dict."
        )
    return compute_class_weight(class_weight, classes=classes, y=y)


def _positive_weights(class_weight, classes, y):
    positives = np.asarray(y).sum(axis=0)
    if class_weight == "balanced":
        if (positives == 0).any():
            raise ValueError(
                "class_weight='balanced' weighs each label by its negatives over its positives, "
                f"and labels {np.flatnonzero(positives == 0)[:5].tolist()} have none in y. Pass "
                "class_weight as a dict of label index to weight instead."
            )
        negatives = len(y) - positives
        # a label of every document has no negatives to balance: weight 1, not 0
        return np.where(negatives > 0, negatives / positives, 1.0)
    unknown = set(class_weight) - set(classes.tolist())
    if unknown:
        raise ValueError(
            f"class_weight has keys {sorted(unknown, key=str)[:5]} that are not label indices "
            f"(0 to {len(classes) - 1}, the columns of y)."
        )
    return np.array([float(class_weight.get(label, 1.0)) for label in classes])


# scikit-learn constraints of the parameters that turn probabilities into labels
LABEL_PARAMETER_CONSTRAINTS = {
    "threshold": [Interval(numbers.Real, 0, 1, closed="neither")],
    "allow_empty": ["boolean"],
    "label_names": ["array-like", None],
}


def decide_labels(proba, classes, threshold=0.5, allow_empty=False):
    """The predicted labels of each document from its probabilities.

    Parameters
    ----------
    proba : ndarray of shape (n_documents, n_classes)
        Class probabilities (rows sum to 1), or, for several labels per
        document, one independent probability per label.
    classes : ndarray or None
        The class labels; ``None`` for an indicator matrix of labels.
    threshold : float, default=0.5
        With ``classes=None``, the probability from which a label is predicted.
    allow_empty : bool, default=False
        With ``classes=None``, allow documents with no label; otherwise a
        document gets at least its most probable label.

    Returns
    -------
    ndarray of shape (n_documents,) or (n_documents, n_labels)
        The most probable class of each document, or an int indicator matrix.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.6, 0.1], [0.2, 0.3, 0.1]])
    >>> decide_labels(proba, None).tolist()
    [[1, 1, 0], [0, 1, 0]]
    >>> decide_labels(proba, None, allow_empty=True).tolist()
    [[1, 1, 0], [0, 0, 0]]
    >>> decide_labels(proba, np.array(["a", "b", "c"])).tolist()
    ['a', 'b']
    """
    if classes is not None:
        return classes[proba.argmax(axis=1)]
    labels = proba >= threshold
    if not allow_empty:
        labels[np.arange(len(proba)), proba.argmax(axis=1)] = True
    return labels.astype(np.int64)


def check_sample_weights(sample_weight, X):
    """The weight of each document as float64: finite, non-negative, not all zero.

    scikit-learn's own check, with its messages.

    Parameters
    ----------
    sample_weight : array-like of shape (n_documents,)
    X : TokenizedDocuments
        The documents they weigh.

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> X = TokenizedDocuments.from_nested([[[[2]]], [[[2]]]], {"a": 2})
    >>> check_sample_weights([1, 2], X).tolist()
    [1.0, 2.0]
    """
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)


def label_names_of(encoder, names):
    """The names of a multi-label classifier's labels, checked against their number.

    Parameters
    ----------
    encoder : IndicatorEncoder or LabelEncoder
        From :func:`fit_label_encoder`.
    names : sequence of str or None
        One name per column of the indicator matrix.

    Returns
    -------
    ndarray of str or None
        None for one label per document, or without names.

    Examples
    --------
    >>> label_names_of(IndicatorEncoder(2), ["sport", "politics"]).tolist()
    ['sport', 'politics']
    """
    if names is None or not isinstance(encoder, IndicatorEncoder):
        return None
    names = np.asarray([str(name) for name in names])
    if len(names) != len(encoder.classes_):
        raise ValueError(
            f"label_names has {len(names)} names for the {len(encoder.classes_)} columns of y."
        )
    return names
