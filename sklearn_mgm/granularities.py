"""The views a network fuses: their names, their validation, and the choice ``"auto"``.

A view above the word level pools a document's sentences or paragraphs. When
documents hold a single sentence (questions, text messages, one-line
reviews), the sentence and paragraph views each pool one vector and repeat
what the word view already sees: on such corpora the bag and word views
alone score at least as well in about two thirds of the fit
(``benchmarks/README.md``, "Two views on the other short-text corpora").
``granularities="auto"`` keeps the sentence and paragraph views only where
the training documents hold several sentences.
"""

import numpy as np

GRANULARITIES = ("word", "sentence", "paragraph")
# every view the network can fuse: the granularities and the bag of n-grams
VIEWS = ("bag", *GRANULARITIES)
AUTO = "auto"


def check_granularities(granularities):
    """The ``granularities`` parameter as a tuple; raise if it is empty, unknown or repeated.

    Parameters
    ----------
    granularities : str or iterable of str
        Names drawn from ``VIEWS``.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> check_granularities("word"), check_granularities(["sentence", "paragraph"])
    (('word',), ('sentence', 'paragraph'))
    """
    given = granularities
    if isinstance(granularities, str):
        granularities = (granularities,)
    try:
        granularities = tuple(granularities)
    except TypeError:
        granularities = ()
    if not granularities or not set(granularities) <= set(VIEWS):
        raise ValueError(
            "granularities must be a non-empty tuple drawn from "
            f"{VIEWS}, e.g. ('word', 'sentence'); got {given!r}."
        )
    if len(set(granularities)) != len(granularities):
        raise ValueError(f"granularities has duplicates: {given!r}.")
    return granularities


def fitted_granularities(granularities, documents):
    """The views to fuse for these training documents: ``granularities`` resolved.

    ``"auto"`` keeps every view where at least half the documents hold
    more than one sentence, and otherwise the bag and word views alone. The
    paragraph view pools sentences as well as paragraphs, so it goes with the
    sentence view: on drug reviews of about six sentences in one paragraph,
    dropping it alone cost half a point. Any other value is checked and
    returned as a tuple.

    Parameters
    ----------
    granularities : "auto", str or iterable of str
        The classifier's ``granularities`` parameter.
    documents : TokenizedDocuments
        The training documents.

    Returns
    -------
    tuple of str
        Drawn from ``VIEWS``, in its order for ``"auto"``.

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> one_sentence_each = TokenizedDocuments.from_nested(
    ...     [[[[2, 3]]], [[[3]]], [[[2], [3]]]], vocabulary={"a": 2, "b": 3}
    ... )
    >>> fitted_granularities("auto", one_sentence_each)
    ('bag', 'word')
    >>> fitted_granularities(["word", "sentence"], one_sentence_each)
    ('word', 'sentence')
    """
    if not is_auto(granularities):
        return check_granularities_parameter(granularities)
    if np.mean(documents.n_sentences > 1) >= 0.5:
        return VIEWS
    return ("bag", "word")


def check_granularities_parameter(granularities):
    """A classifier's ``granularities``: ``"auto"``, or the views as a checked tuple.

    Examples
    --------
    >>> check_granularities_parameter("auto"), check_granularities_parameter(["word"])
    ('auto', ('word',))
    """
    if is_auto(granularities):
        return AUTO
    try:
        return check_granularities(granularities)
    except ValueError as error:
        raise ValueError(f"{error} Or 'auto': the views that suit the documents.") from None


def is_auto(granularities):
    """Whether ``granularities`` asks for the views to be chosen from the documents.

    Examples
    --------
    >>> is_auto("auto"), is_auto(("bag", "word"))
    (True, False)
    """
    return isinstance(granularities, str) and granularities == AUTO
