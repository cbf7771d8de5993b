"""Word numbering, document frequencies, pruning and encoding of words as ids.

The vocabulary follows scikit-learn's ``CountVectorizer``: the same stop word
list, the same meaning of ``min_df``, ``max_df`` and ``max_features``, and the
kept words numbered in alphabetical order, here from 2 (0 is padding and 1 the
unknown word).
"""

import itertools
import numbers
from collections import Counter
from collections.abc import Mapping

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .documents import UNKNOWN_ID, offsets_from_lengths


def stop_word_set(stop_words):
    """The words a ``stop_words`` parameter names.

    Parameters
    ----------
    stop_words : {"english"}, list of str or None
        ``"english"`` is scikit-learn's built-in list; ``None`` names no word.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> sorted(stop_word_set(["the", "a"]))
    ['a', 'the']
    >>> "the" in stop_word_set("english"), stop_word_set(None)
    (True, frozenset())
    """
    if stop_words == "english":
        return ENGLISH_STOP_WORDS
    return frozenset(stop_words or ())


def number_distinct(tokens):
    """Number the distinct tokens in order of first appearance.

    Parameters
    ----------
    tokens : list of str
        The tokens.

    Returns
    -------
    words : list of str
        The distinct tokens; ``words[code]`` is the token numbered ``code``.
    codes : ndarray of int32
        The code of each token.

    Examples
    --------
    >>> words, codes = number_distinct(["b", "a", "b"])
    >>> words, codes.tolist()
    (['b', 'a'], [0, 1, 0])
    """
    code_of = dict.fromkeys(tokens)
    for code, word in enumerate(code_of):
        code_of[word] = code
    codes = np.fromiter(map(code_of.__getitem__, tokens), dtype=np.int32, count=len(tokens))
    return list(code_of), codes


class WordCounts:
    """Number the words of consecutive chunks and count the documents each occurs in.

    Attributes
    ----------
    code_of : dict of str to int
        Code of each word, in order of first appearance.
    document_frequency : ndarray of int64
        Number of documents each code occurs in.

    Examples
    --------
    >>> counts = WordCounts()
    >>> counts.add(["b", "a"], np.array([0, 1, 0]), ([3], [1], [1])).tolist()
    [0, 1, 0]
    >>> counts.add(["a", "c"], np.array([0, 1, 0]), ([1, 2], [1, 1], [1, 1])).tolist()
    [1, 2, 1]
    >>> counts.code_of, counts.document_frequency.tolist()
    ({'b': 0, 'a': 1, 'c': 2}, [1, 3, 1])
    """

    def __init__(self):
        self.code_of = {}
        self.document_frequency = np.zeros(0, dtype=np.int64)

    def add(self, words, codes, structure):
        """Count one chunk and return the codes of its words in the numbering of all chunks.

        Parameters
        ----------
        words : list of str
            The chunk's distinct words.
        codes : ndarray of int
            The code of each of the chunk's words, an index into ``words``.
        structure : tuple of three sequences of int
            The lengths of the chunk's sentences, paragraphs and documents.

        Returns
        -------
        ndarray of int32
            The code of each of the chunk's words, an index into ``code_of``.
        """
        new = [word for word in words if word not in self.code_of]
        self.code_of.update(zip(new, itertools.count(len(self.code_of))))
        word_codes = np.fromiter(map(self.code_of.__getitem__, words), np.int32, len(words))
        frequency = np.zeros(len(self.code_of), dtype=np.int64)
        frequency[: len(self.document_frequency)] = self.document_frequency
        frequency[word_codes] += document_frequencies(codes, structure, len(words))
        self.document_frequency = frequency
        return word_codes[codes]


def document_frequencies(codes, structure, n_words):
    """Count, for each code, the documents it occurs in.

    Parameters
    ----------
    codes : ndarray of int
        The code of each word, documents one after the other.
    structure : tuple of three sequences of int
        The lengths of the sentences, paragraphs and documents.
    n_words : int
        Number of codes.

    Returns
    -------
    ndarray of int64
        Entry ``code`` is the number of documents holding ``code``.

    Examples
    --------
    >>> # two documents: words [0, 1, 0] in two sentences, then [2, 0]
    >>> document_frequencies(np.array([0, 1, 0, 2, 0]), ([2, 1, 2], [2, 1], [1, 1]), 3).tolist()
    [2, 1, 1]
    """
    words_per_document = _words_per_document(structure)
    document_of_token = np.repeat(np.arange(len(words_per_document)), words_per_document)
    # Tokens come grouped by document, so these keys are nearly sorted already,
    # which a stable sort (timsort) exploits; np.unique is several times slower.
    keys = np.sort(document_of_token * n_words + codes, kind="stable")
    distinct = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    return np.bincount(keys[distinct] % n_words, minlength=n_words)


def _words_per_document(structure):
    sentence_lengths, paragraph_sizes, document_sizes = structure
    sentence_offsets = offsets_from_lengths(sentence_lengths)
    paragraph_offsets = offsets_from_lengths(paragraph_sizes)
    document_offsets = offsets_from_lengths(document_sizes)
    return np.diff(sentence_offsets[paragraph_offsets[document_offsets]]).tolist()


def learn_vocabulary(
    words, codes, document_frequency, n_documents, *, min_df=1, max_df=1.0, max_features=None
):
    """Prune ``words`` as ``CountVectorizer`` does and number the kept ones alphabetically.

    Parameters
    ----------
    words : list of str
        The distinct words; ``words[code]`` is the word numbered ``code``.
    codes : ndarray of int
        The code of each word of the corpus (for ``max_features``, which keeps
        the words most frequent in the corpus; ties go to the first in
        alphabetical order).
    document_frequency : ndarray of int
        Number of documents each code occurs in.
    n_documents : int
        Number of documents of the corpus.
    min_df, max_df : int or float
        Words in fewer than ``min_df`` or more than ``max_df`` documents are
        removed; a float is a proportion of ``n_documents``.
    max_features : int or None, default=None
        Keep at most this many words.

    Returns
    -------
    vocabulary : dict of str to int
        The kept words, numbered from 2 in alphabetical order.
    id_of_code : ndarray of int32
        The id of each code; 1 (unknown) for a removed word.

    Raises
    ------
    ValueError
        When there are no words, when ``max_df`` stands for fewer documents
        than ``min_df``, or when pruning removes every word.

    Examples
    --------
    >>> vocabulary, id_of_code = learn_vocabulary(
    ...     ["b", "a", "c"], np.array([0, 1, 0, 2, 1]), np.array([2, 2, 1]), 2, min_df=2
    ... )
    >>> vocabulary, id_of_code.tolist()
    ({'a': 2, 'b': 3}, [3, 2, 1])
    """
    if not words:
        raise ValueError(
            "empty vocabulary; perhaps the documents are empty or only contain stop words."
        )
    max_count = _document_count(max_df, n_documents)
    min_count = _document_count(min_df, n_documents)
    if max_count < min_count:
        raise ValueError("max_df corresponds to < documents than min_df")
    kept = np.flatnonzero((min_count <= document_frequency) & (document_frequency <= max_count))
    if max_features is not None and len(kept) > max_features:
        word_counts = np.bincount(codes, minlength=len(words))
        by_count = sorted(kept, key=lambda code: (-word_counts[code], words[code]))
        kept = by_count[:max_features]
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    kept = sorted(kept, key=words.__getitem__)
    vocabulary = {words[code]: index for index, code in enumerate(kept, start=2)}
    id_of_code = np.full(len(words), UNKNOWN_ID, dtype=np.int32)
    id_of_code[kept] = np.arange(2, len(kept) + 2)
    return vocabulary, id_of_code


def _document_count(df, n_documents):
    """A ``min_df`` or ``max_df`` as a number of documents."""
    return df if isinstance(df, numbers.Integral) else df * n_documents


def validate_fixed_vocabulary(vocabulary):
    """Check a fixed ``vocabulary`` parameter and return it as a mapping of word to id.

    Parameters
    ----------
    vocabulary : Mapping or iterable of str
        A mapping of word to id using each id from 2 to ``n + 1`` once, or
        distinct words, numbered from 2 in order.

    Returns
    -------
    dict of str to int

    Raises
    ------
    ValueError
        For an empty vocabulary, duplicate words, or a mapping with other ids.

    Examples
    --------
    >>> validate_fixed_vocabulary(["dog", "cat"])
    {'dog': 2, 'cat': 3}
    """
    if isinstance(vocabulary, Mapping):
        vocabulary = dict(vocabulary)
        expected = set(range(2, len(vocabulary) + 2))
        if set(vocabulary.values()) != expected:
            raise ValueError(
                "A fixed vocabulary mapping must use each id from 2 to "
                f"{len(vocabulary) + 1} exactly once (0 is padding and 1 the unknown word). "
                "Pass a list of words instead to have them numbered from 2."
            )
    else:
        words = list(vocabulary)
        if len(set(words)) != len(words):
            duplicates = sorted(w for w, c in Counter(words).items() if c > 1)[:5]
            raise ValueError(f"Duplicate words in vocabulary: {duplicates}.")
        vocabulary = {word: index for index, word in enumerate(words, start=2)}
    if not vocabulary:
        raise ValueError("empty vocabulary passed to fit.")
    return vocabulary


def ids_of(vocabulary, words):
    """The id of each word in ``vocabulary``; unknown words get 1.

    Parameters
    ----------
    vocabulary : dict of str to int
        Word to id.
    words : list of str
        The words to encode.

    Returns
    -------
    ndarray of int32

    Examples
    --------
    >>> ids_of({"a": 2}, ["a", "b"]).tolist()
    [2, 1]
    """
    return np.fromiter(
        map(vocabulary.get, words, itertools.repeat(UNKNOWN_ID)), dtype=np.int32, count=len(words)
    )
