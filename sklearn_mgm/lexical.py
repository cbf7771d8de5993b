"""TF-IDF of words or of characters, characters for text written without spaces.

The linear models beside MGM read these features: the comparison's baselines
and the linear member of :func:`~sklearn_mgm.make_mgm_vote`. Word tokens of
scikit-learn's default pattern split Chinese or Japanese only at punctuation,
so each clause would be one "word"; character n-grams need no word boundaries.
"""

from typing import ClassVar

import regex
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .tokenize import validate_raw_documents

# scripts whose words are not separated by spaces
_UNSPACED = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
)
_LETTER = regex.compile(r"[\p{L}\p{M}]")
# the script of a text is read from its beginning
_SCRIPT_SAMPLE = 1000


def written_without_spaces(texts):
    """Whether most texts are written in a script without spaces between words.

    A text counts when most of the letters at its beginning (the first 1,000
    characters) are Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar or
    Tibetan.

    Parameters
    ----------
    texts : sequence of str
        The documents.

    Returns
    -------
    bool
        True when more than half of the texts count.

    Examples
    --------
    >>> written_without_spaces(["今天天气很好。", "東京は晴れです。", "A sunny day."])
    True
    >>> written_without_spaces(["A sunny day.", "Rain again."])
    False
    """
    unspaced = sum(_mostly_unspaced(text) for text in texts)
    return 2 * unspaced > len(texts)


def _mostly_unspaced(text):
    head = text[:_SCRIPT_SAMPLE]
    letters = len(_LETTER.findall(head))
    return letters > 0 and 2 * len(_UNSPACED.findall(head)) > letters


def word_tfidf():
    """The comparison's word features: sublinear TF-IDF of words and word bigrams.

    Examples
    --------
    >>> word_tfidf().fit(["a good day", "a bad day"]).get_feature_names_out()[:3].tolist()
    ['bad', 'bad day', 'day']
    """
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def character_tfidf():
    """The comparison's character features: sublinear TF-IDF of character 1–4-grams.

    The n-grams stay within word boundaries (``analyzer="char_wb"``), and one
    n-gram must occur in two training documents to count.

    Examples
    --------
    >>> character_tfidf().fit(["今天很好", "今天不好"]).get_feature_names_out().tolist()
    [' ', ' 今', ' 今天', '今', '今天', '天', '好', '好 ']
    """
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2)


class LexicalFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF features of raw texts: of words, of characters, or chosen by script.

    Parameters
    ----------
    features : {"auto", "words", "characters"}, default="auto"
        ``"words"``: :func:`word_tfidf`; ``"characters"``:
        :func:`character_tfidf`; ``"auto"``: characters when most training
        texts are written without spaces (:func:`written_without_spaces`),
        else words.

    Attributes
    ----------
    features_ : {"words", "characters"}
        The features chosen at fit.
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectorizer.

    Examples
    --------
    >>> LexicalFeatures().fit(["今天天气很好。", "今天下雨了。"]).features_
    'characters'
    >>> LexicalFeatures().fit_transform(["a good day", "a bad day"]).shape
    (2, 5)
    """

    _parameter_constraints: ClassVar[dict] = {
        "features": [StrOptions({"auto", "words", "characters"})]
    }

    def __init__(self, features="auto"):
        self.features = features

    def fit(self, X, y=None):
        """Choose the features and learn their vocabulary and IDF from ``X``.

        Parameters
        ----------
        X : sequence of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self.fit_transform(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then return the features of ``X`` (one pass over the texts).

        Parameters
        ----------
        X : sequence of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features)
        """
        texts = validate_raw_documents(X)
        if not texts:
            raise ValueError("LexicalFeatures needs at least one training text; got none.")
        unspaced = self.features == "characters" or (
            self.features == "auto" and written_without_spaces(texts)
        )
        self.features_ = "characters" if unspaced else "words"
        self.vectorizer_ = character_tfidf() if unspaced else word_tfidf()
        return self.vectorizer_.fit_transform(texts)

    def transform(self, X):
        """The TF-IDF features of ``X``.

        Parameters
        ----------
        X : sequence of str
            Texts.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features)
        """
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(validate_raw_documents(X))

    def get_feature_names_out(self, input_features=None):
        """The n-grams, one per column.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.get_feature_names_out()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
