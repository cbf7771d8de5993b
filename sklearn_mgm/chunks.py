"""A corpus in chunks: cut by characters, split one after the other or by joblib's workers, joined.

Only one chunk's words exist as Python strings at a time (some 60 bytes a
word, against 4 in the output), so splitting a corpus needs little memory
beyond its output.
"""

import itertools
import math

import numpy as np
from joblib import Parallel, delayed

# Texts are split and encoded in chunks of about this many characters, so that
# only one chunk's words are alive as Python strings (some 60 bytes a word).
CHUNK_CHARACTERS = 1_000_000


def chunk_bounds(documents, min_chunks):
    """Cut ``documents`` into chunks of at most about ``CHUNK_CHARACTERS`` characters.

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
        last document, a chunk holds at most ``CHUNK_CHARACTERS`` characters.

    Examples
    --------
    >>> chunk_bounds(["a" * 10, "b", "c" * 10], 2)
    [0, 2, 3]
    """
    ends = np.cumsum([len(document) for document in documents])
    total = int(ends[-1]) if len(documents) else 0
    n_chunks = max(min_chunks, math.ceil(total / CHUNK_CHARACTERS))
    # a chunk ends with the document that reaches the next multiple of total / n_chunks
    cuts = np.searchsorted(ends, total / n_chunks * np.arange(1, n_chunks)) + 1
    bounds = np.concatenate([[0], cuts, [len(documents)]]).clip(max=len(documents))
    return np.unique(bounds).tolist()


def split_in_chunks(split, encode, documents, n_jobs=None):
    r"""Split ``documents`` chunk by chunk, in parallel with ``n_jobs`` joblib workers.

    Only one chunk's words live as Python strings at a time (per worker).

    Parameters
    ----------
    split : sklearn_mgm.splitting.DocumentSplitter
        Splits a list of texts into tokens and the lengths of their sentences,
        paragraphs and documents.
    encode : callable
        Turns a chunk's list of tokens into what is kept of them (ids, codes).
    documents : list of str
        The texts.
    n_jobs : int or None, default=None
        Number of joblib workers; ``None`` means 1 (no workers).

    Returns
    -------
    iterable of tuple
        For each chunk, in order: ``encode`` of its tokens and the lengths of
        its sentences, paragraphs and documents, as arrays of int32.

    Examples
    --------
    >>> from nltk.tokenize.punkt import PunktSentenceTokenizer
    >>> from sklearn_mgm.splitting import DocumentSplitter
    >>> split = DocumentSplitter(
    ...     paragraph_pattern=r"\n\s*\n", sentence_tokenizer=PunktSentenceTokenizer(),
    ...     word_tokenize=str.split, lowercase=True, stop_words=frozenset(),
    ...     max_paragraphs=None, max_sentences=None, max_words=None,
    ... )
    >>> [(tokens, [lengths.tolist() for lengths in structure])
    ...  for tokens, structure in split_in_chunks(split, len, ["Rain fell.", "Sun."])]
    [(3, [[2, 1], [1, 1], [1, 1]])]
    """
    n_jobs = 1 if n_jobs is None else n_jobs
    bounds = chunk_bounds(documents, 1 if n_jobs == 1 else 4 * abs(n_jobs))
    chunks = (documents[start:stop] for start, stop in itertools.pairwise(bounds))
    if n_jobs == 1 or len(bounds) < 3:
        return (_split_chunk(split, encode, chunk) for chunk in chunks)
    return Parallel(n_jobs=n_jobs)(delayed(_split_chunk)(split, encode, c) for c in chunks)


def _split_chunk(split, encode, documents):
    tokens, structure = split(documents)
    return encode(tokens), tuple(np.asarray(level, dtype=np.int32) for level in structure)


def concatenate_chunks(chunks):
    """Join the word ids (or codes) and the structure of consecutive chunks.

    The ids grow in one array, resized in place for each chunk, so that the
    corpus's ids are not held twice (once in chunks, once joined).

    Parameters
    ----------
    chunks : iterable of tuple
        For each chunk, its ids and the lengths of its sentences, paragraphs
        and documents, as from :func:`split_in_chunks`.

    Returns
    -------
    values : ndarray of int32
        The ids of all chunks, one after the other.
    structure : tuple of three ndarray of int32
        The lengths of all sentences, paragraphs and documents.

    Examples
    --------
    >>> chunk = (np.array([2, 3]), ([2], [1], [1]))
    >>> values, structure = concatenate_chunks([chunk, chunk])
    >>> values.tolist(), [lengths.tolist() for lengths in structure]
    ([2, 3, 2, 3], [[2, 2], [1, 1], [1, 1]])
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
