"""A soft vote of the MGM pipeline and TF-IDF + LogisticRegression, as one estimator."""

import numbers

from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.validation import check_is_fitted

from .classifier import MultiGranularityClassifier
from .lexical import LexicalFeatures
from .pipeline import make_mgm_pipeline

LEXICAL_FEATURES = ("auto", "words", "characters")


def linear_classifier():
    """The LogisticRegression of the vote, and of the comparison's ``"logreg"`` baseline.

    Examples
    --------
    >>> linear_classifier().C
    10.0
    """
    return LogisticRegression(C=10.0, max_iter=1000)


def make_mgm_vote(*, mgm_weight=0.3, features="auto", memory=None, **params):
    """Average the probabilities of the MGM pipeline and of a linear model on TF-IDF.

    The linear member is :class:`~sklearn_mgm.lexical.LexicalFeatures` +
    ``LogisticRegression(C=10.0)``, the comparison's ``"logreg"`` baseline
    (on characters for text written without spaces). Each member is fitted
    on its own; their probabilities are averaged with weights
    ``[mgm_weight, 1 - mgm_weight]``.

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
        Members ``"mgm"`` and ``"linear"``, ``voting="soft"``. Once fitted,
        ``named_estimators_["mgm"]`` is the fitted MGM pipeline, which
        :func:`~sklearn_mgm.explain` and :func:`~sklearn_mgm.save` take.

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
    linear = make_pipeline(LexicalFeatures(features), linear_classifier())
    return VotingClassifier(
        [("mgm", make_mgm_pipeline(memory=memory, **params)), ("linear", linear)],
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
