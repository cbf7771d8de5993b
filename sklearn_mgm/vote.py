"""A soft vote of the MGM pipeline and a linear model on TF-IDF, as one estimator.

The linear member is LinearSVC with probabilities from sigmoid calibration
on out-of-fold decision values (scikit-learn's ``CalibratedClassifierCV``).
"""

import numbers
import warnings
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .classifier import MultiGranularityClassifier
from .lexical import LexicalFeatures
from .pipeline import make_mgm_pipeline

LEXICAL_FEATURES = ("auto", "words", "characters")


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """LinearSVC with probabilities, calibrated on held-out folds of the training data.

    ``CalibratedClassifierCV(LinearSVC(C), ensemble=False)`` over the splits
    of ``StratifiedKFold(shuffle=True)`` drawn at fit: Platt's sigmoid is
    fitted on the out-of-fold decision values, and LinearSVC is then fitted
    on all the training data. The folds are ``n_folds``, or as many as the
    rarest class has documents. A class of one document cannot be in every
    training part: then each fold's LinearSVC is calibrated on its own and
    their probabilities are averaged (``ensemble=True``), the folds without
    that class giving it 0.

    Parameters
    ----------
    C : float, default=1.0
        LinearSVC's regularisation.
    n_folds : int, default=3
        Folds of the calibration.
    random_state : int, default=0
        Seed of the folds and of LinearSVC.

    Attributes
    ----------
    calibrated_ : sklearn.calibration.CalibratedClassifierCV
    classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]])
    >>> model = CalibratedLinearSVC(n_folds=2).fit(X, [0, 0, 0, 1, 1, 1])
    >>> model.predict([[0.05], [1.15]]).tolist(), model.predict_proba([[0.6]]).shape
    ([0, 1], (1, 2))
    """

    _parameter_constraints: ClassVar[dict] = {
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_folds": [Interval(numbers.Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, C=1.0, n_folds=3, random_state=0):
        self.C = C
        self.n_folds = n_folds
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit a calibrated LinearSVC per fold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        rarest = np.unique(y, return_counts=True)[1].min()
        n_folds = min(self.n_folds, rarest) if rarest > 1 else self.n_folds
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            # a class of one document misses some training folds: ensemble=True allows that
            warnings.filterwarnings("ignore", message="The least populated class")
            splits = list(folds.split(X, y))
        svc = LinearSVC(C=self.C, random_state=self.random_state)
        calibrated = CalibratedClassifierCV(svc, cv=splits, ensemble=bool(rarest == 1))
        self.calibrated_ = calibrated.fit(X, y)
        self.classes_ = self.calibrated_.classes_
        self.n_features_in_ = self.calibrated_.n_features_in_
        return self

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(X)

    def predict(self, X):
        """The most probable class."""
        check_is_fitted(self, "calibrated_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def linear_member(features="auto"):
    """The vote's linear member: TF-IDF features and :class:`CalibratedLinearSVC`.

    Parameters
    ----------
    features : {"auto", "words", "characters"}, default="auto"
        See :class:`~sklearn_mgm.lexical.LexicalFeatures`.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> [name for name, _ in linear_member().steps]
    ['lexicalfeatures', 'calibratedlinearsvc']
    """
    return make_pipeline(LexicalFeatures(features), CalibratedLinearSVC())


def make_mgm_vote(*, mgm_weight=0.3, features="auto", memory=None, **params):
    """Average the probabilities of the MGM pipeline and of a linear model on TF-IDF.

    The linear member, :func:`linear_member`, is
    :class:`~sklearn_mgm.lexical.LexicalFeatures` (TF-IDF of words and
    bigrams, or of characters for text written without spaces) +
    :class:`CalibratedLinearSVC`. Each member is fitted on its own; their
    probabilities are averaged with weights ``[mgm_weight, 1 - mgm_weight]``.

    Parameters
    ----------
    mgm_weight : float, default=0.3
        The MGM pipeline's share of the vote, strictly between 0 and 1.
    features : {"auto", "words", "characters"}, default="auto"
        The linear member's features, see
        :class:`~sklearn_mgm.lexical.LexicalFeatures`.
    memory : str, joblib.Memory or None, default=None
        Cache of the MGM pipeline's fitted tokenizer, see
        :func:`~sklearn_mgm.make_mgm_pipeline`.
    **params : dict
        Parameters of the MGM pipeline, as for
        :func:`~sklearn_mgm.make_mgm_pipeline`.

    Returns
    -------
    sklearn.ensemble.VotingClassifier
        Members ``"mgm"`` and ``"linear"``, ``voting="soft"``.
        :func:`~sklearn_mgm.explain` takes the fitted vote and explains its
        MGM member. Like every member of a ``VotingClassifier``,
        ``named_estimators_["mgm"]`` learns the labels encoded as 0, 1, …;
        ``vote.le_`` decodes them (see :func:`mgm_member`).

    Raises
    ------
    ValueError
        For a weight outside (0, 1) or unknown features; TypeError, as
        :func:`~sklearn_mgm.make_mgm_pipeline`, for an unknown parameter.

    Examples
    --------
    >>> vote = make_mgm_vote(hidden_size=32, random_state=0)
    >>> [name for name, _ in vote.estimators], vote.weights
    (['mgm', 'linear'], [0.3, 0.7])
    >>> vote.set_params(mgm__classifier__max_epochs=2).get_params()["mgm__classifier__max_epochs"]
    2
    """
    if (
        isinstance(mgm_weight, bool)
        or not isinstance(mgm_weight, numbers.Real)
        or not 0 < mgm_weight < 1
    ):
        raise ValueError(
            f"mgm_weight must be a number strictly between 0 and 1, got {mgm_weight!r}; "
            "use make_mgm_pipeline() for the MGM pipeline alone."
        )
    if features not in LEXICAL_FEATURES:
        raise ValueError(
            f"features must be one of {', '.join(map(repr, LEXICAL_FEATURES))}, got {features!r}."
        )
    return VotingClassifier(
        [("mgm", make_mgm_pipeline(memory=memory, **params)), ("linear", linear_member(features))],
        voting="soft",
        weights=[float(mgm_weight), 1.0 - float(mgm_weight)],
    )


def mgm_member(vote):
    """The fitted MGM pipeline of a fitted vote, and the vote's labels of its classes.

    Parameters
    ----------
    vote : sklearn.ensemble.VotingClassifier
        Fitted, with a member that is a Pipeline ending in
        :class:`~sklearn_mgm.MultiGranularityClassifier`.

    Returns
    -------
    member : sklearn.pipeline.Pipeline
    classes : list
        The label of each of the member's (encoded) classes, in its order.

    Raises
    ------
    TypeError
        When no member is such a pipeline.

    Examples
    --------
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 10
    >>> vote = make_mgm_vote(
    ...     sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=1
    ... ).fit(texts, ["sport", "business"] * 10)
    >>> member, classes = mgm_member(vote)
    >>> member[-1].classes_.tolist(), classes
    ([0, 1], ['business', 'sport'])
    """
    check_is_fitted(vote, "estimators_")
    for member in vote.estimators_:
        if isinstance(member, Pipeline) and isinstance(member[-1], MultiGranularityClassifier):
            return member, vote.le_.classes_[member[-1].classes_].tolist()
    raise TypeError(
        "The vote has no member that is an MGM pipeline (a Pipeline ending in "
        "MultiGranularityClassifier); build it with make_mgm_vote()."
    )
