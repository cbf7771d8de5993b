"""Numbering words, counting document frequencies and encoding chunks of words as ids."""

import itertools
import math

import numpy as np

from .documents import UNKNOWN_ID, offsets_from_lengths

# Texts are split and encoded in chunks of about this many characters, so that
# only one chunk's words are alive as Python strings (some 60 bytes a word).
_CHUNK_CHARACTERS = 1_000_000


def _chunk_bounds(documents, min_chunks):
    """Cut ``documents`` into chunks of at most about ``_CHUNK_CHARACTERS`` characters.

    Parameters
    ----------
    documents : list of str
        The texts.
    min_chunks : int
        Aim at this many chunks at least, of similar sizes (fewer when a few
        documents hold most characters).

    Returns
    -------
    list of int
        The first document of each chunk, then ``len(documents)``. Before its
        last document, a chunk holds at most ``_CHUNK_CHARACTERS`` characters.

    Examples
    --------
    >>> _chunk_bounds(["a" * 10, "b", "c" * 10], 2)
    [0, 2, 3]
    """
    ends = np.cumsum([len(document) for document in documents])
    total = int(ends[-1]) if len(documents) else 0
    n_chunks = max(min_chunks, math.ceil(total / _CHUNK_CHARACTERS))
    # a chunk ends with the document that reaches the next multiple of total / n_chunks
    cuts = np.searchsorted(ends, total / n_chunks * np.arange(1, n_chunks)) + 1
    bounds = np.concatenate([[0], cuts, [len(documents)]]).clip(max=len(documents))
    return np.unique(bounds).tolist()


def _split_chunk(splitter, encode, documents):
    """Split ``documents`` and encode their words, for ``_split``."""
    tokens, structure = splitter(documents)
    return encode(tokens), tuple(np.asarray(level, dtype=np.int32) for level in structure)


def _number_distinct(tokens):
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
    >>> words, codes = _number_distinct(["b", "a", "b"])
    >>> words, codes.tolist()
    (['b', 'a'], [0, 1, 0])
    """
    code_of = dict.fromkeys(tokens)
    for code, word in enumerate(code_of):
        code_of[word] = code
    codes = np.fromiter(map(code_of.__getitem__, tokens), dtype=np.int32, count=len(tokens))
    return list(code_of), codes


class _WordCounts:
    """Number the words of consecutive chunks and count the documents each occurs in.

    Attributes
    ----------
    code_of : dict of str to int
        Code of each word, in order of first appearance.
    document_frequency : ndarray of int64
        Number of documents each code occurs in.

    Examples
    --------
    >>> counts = _WordCounts()
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

        ``words`` are the chunk's distinct words, ``codes`` the code of each
        of its words (an index into ``words``) and ``structure`` the lengths
        of its sentences, paragraphs and documents.
        """
        new = [word for word in words if word not in self.code_of]
        self.code_of.update(zip(new, itertools.count(len(self.code_of))))
        word_codes = np.fromiter(map(self.code_of.__getitem__, words), np.int32, len(words))
        frequency = np.zeros(len(self.code_of), dtype=np.int64)
        frequency[: len(self.document_frequency)] = self.document_frequency
        frequency[word_codes] += _document_frequencies(codes, structure, len(words))
        self.document_frequency = frequency
        return word_codes[codes]


def _ids_of(vocabulary, words):
    """The id of each word in ``vocabulary``; unknown words get 1.

    Examples
    --------
    >>> _ids_of({"a": 2}, ["a", "b"]).tolist()
    [2, 1]
    """
    return np.fromiter(
        map(vocabulary.get, words, itertools.repeat(UNKNOWN_ID)), dtype=np.int32, count=len(words)
    )


def _concatenate(chunks):
    """Join the word ids (or codes) and the structure of consecutive chunks.

    The ids grow in one array, resized in place for each chunk, so that the
    corpus's ids are not held twice (once in chunks, once joined).
    """
    values = np.zeros(0, dtype=np.int32)
    empty = np.zeros(0, dtype=np.int32)
    levels = ([empty], [empty], [empty])
    for chunk_values, structure in chunks:
        start = len(values)
        values.resize(start + len(chunk_values), refcheck=False)
        values[start:] = chunk_values
        for level, lengths in zip(levels, structure, strict=True):
            level.append(lengths)
    return values, tuple(np.concatenate(level) for level in levels)


def _document_frequencies(codes, structure, n_words):
    """Count, for each code, the documents it occurs in."""
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
