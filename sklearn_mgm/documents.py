"""Compact ragged storage of tokenized documents.

A corpus is held as one flat array of word ids plus three offset arrays: the
words of each sentence, the sentences of each paragraph and the paragraphs of
each document. Nothing is padded; padding happens per batch, in
:func:`sklearn_mgm.batching.collate_documents`.
"""

import numbers
from collections.abc import Iterable, Mapping

import numpy as np

PAD_ID = 0
UNKNOWN_ID = 1
PAD_TOKEN = "<pad>"
UNKNOWN_TOKEN = "<unk>"


def concatenated_ranges(starts, stops):
    """Concatenate ``range(start, stop)`` for every pair, without a Python loop.

    Parameters
    ----------
    starts, stops : ndarray of int
        Bounds of each range; ``stops >= starts`` element-wise.

    Returns
    -------
    ndarray of int64
        ``np.concatenate([np.arange(a, b) for a, b in zip(starts, stops)])``.

    Examples
    --------
    >>> concatenated_ranges(np.array([0, 5]), np.array([2, 8]))
    array([0, 1, 5, 6, 7])
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(stops, dtype=np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    range_starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(starts - range_starts, lengths)


def offsets_from_lengths(lengths):
    """Offsets (cumulative sums starting at 0) for items of the given lengths.

    Examples
    --------
    >>> offsets_from_lengths([2, 0, 3]).tolist()
    [0, 2, 2, 5]
    """
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
    return offsets


def _check_offsets(offsets, n_items, name):
    offsets = np.asarray(offsets)
    if offsets.ndim != 1 or offsets.size == 0 or not np.issubdtype(offsets.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D integer array, got {offsets!r}.")
    if offsets[0] != 0 or offsets[-1] != n_items or np.any(np.diff(offsets) < 0):
        raise ValueError(
            f"{name} must start at 0, never decrease and end at {n_items} "
            f"(the number of items it indexes); got start {offsets[0]}, end {offsets[-1]}."
        )
    return offsets.astype(np.int64, copy=False)


def _nested_items(value, where):
    """The items of one level of nested documents, as a list."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{where} is {type(value).__name__}; expected a list. Nest documents as "
            "documents > paragraphs > sentences > word ids, e.g. [[[[2, 3], [4]]]]."
        )
    return list(value)


class TokenizedDocuments:
    """Documents as paragraphs of sentences of word ids, stored without padding.

    This is what :class:`~sklearn_mgm.HierarchicalTokenizer` returns and what
    :class:`~sklearn_mgm.MultiGranularityClassifier` consumes. It behaves like a
    1-D array of documents, so scikit-learn's splitters, ``_safe_indexing`` and
    ``check_consistent_length`` work on it.

    Parameters
    ----------
    word_ids : array-like of int, shape (n_words,)
        Word ids of the whole corpus, one sentence after the other. Id 0 is
        padding and never stored; id 1 is the unknown word.
    sentence_offsets : array-like of int, shape (n_sentences + 1,)
        Sentence ``k`` holds ``word_ids[sentence_offsets[k]:sentence_offsets[k + 1]]``.
    paragraph_offsets : array-like of int, shape (n_paragraphs + 1,)
        Paragraph ``j`` holds sentences ``paragraph_offsets[j]`` to
        ``paragraph_offsets[j + 1] - 1``.
    document_offsets : array-like of int, shape (n_documents + 1,)
        Document ``i`` holds paragraphs ``document_offsets[i]`` to
        ``document_offsets[i + 1] - 1``.
    vocabulary : Mapping of str to int
        The term to id mapping the ids were encoded with (ids from 2 upwards).
        It is shared, not copied, by every subset.

    Attributes
    ----------
    shape : tuple of int
        ``(n_documents,)``.
    vocabulary_size : int
        Number of ids an embedding table needs: the largest id plus one.

    Examples
    --------
    >>> docs = TokenizedDocuments.from_nested(
    ...     [[[[2, 3], [4]]], [[[3]], [[5, 2]]]],
    ...     vocabulary={"a": 2, "b": 3, "c": 4, "d": 5},
    ... )
    >>> docs.shape
    (2,)
    >>> docs[1]
    [[[3]], [[5, 2]]]
    >>> docs[[1]].n_words.tolist()
    [3]
    """

    def __init__(self, word_ids, sentence_offsets, paragraph_offsets, document_offsets, vocabulary):
        if not isinstance(vocabulary, Mapping):
            raise TypeError(
                f"vocabulary must be a mapping of term to id, got {type(vocabulary).__name__}."
            )
        word_ids = np.asarray(word_ids)
        if word_ids.ndim != 1 or (word_ids.size and not np.issubdtype(word_ids.dtype, np.integer)):
            raise ValueError("word_ids must be a 1-D integer array.")
        self.word_ids = word_ids.astype(np.int32, copy=False)
        self.sentence_offsets = _check_offsets(sentence_offsets, len(word_ids), "sentence_offsets")
        n_sentences = len(self.sentence_offsets) - 1
        self.paragraph_offsets = _check_offsets(paragraph_offsets, n_sentences, "paragraph_offsets")
        n_paragraphs = len(self.paragraph_offsets) - 1
        self.document_offsets = _check_offsets(document_offsets, n_paragraphs, "document_offsets")
        self.vocabulary = vocabulary
        self.vocabulary_size = max(vocabulary.values(), default=UNKNOWN_ID) + 1
        if self.word_ids.size and (
            self.word_ids.min() < UNKNOWN_ID or self.word_ids.max() >= self.vocabulary_size
        ):
            raise ValueError(
                f"word ids must lie in [1, {self.vocabulary_size - 1}] for this vocabulary; "
                f"got ids from {self.word_ids.min()} to {self.word_ids.max()}."
            )

    @classmethod
    def from_nested(cls, documents, vocabulary):
        """Build the container from documents as nested lists.

        Parameters
        ----------
        documents : list of list of list of list of int
            Each document is a list of paragraphs, each a list of sentences,
            each a list of word ids.
        vocabulary : Mapping of str to int
            The mapping the ids come from.

        Returns
        -------
        TokenizedDocuments

        Examples
        --------
        >>> TokenizedDocuments.from_nested([[[[2]]], []], {"a": 2}).n_paragraphs.tolist()
        [1, 0]
        """
        word_ids, sentence_lengths, paragraph_sizes, document_sizes = [], [], [], []
        for d, document in enumerate(_nested_items(documents, "documents")):
            document = _nested_items(document, f"document {d}")
            document_sizes.append(len(document))
            for p, paragraph in enumerate(document):
                paragraph = _nested_items(paragraph, f"document {d}, paragraph {p}")
                paragraph_sizes.append(len(paragraph))
                for s, sentence in enumerate(paragraph):
                    where = f"document {d}, paragraph {p}, sentence {s}"
                    sentence = _nested_items(sentence, where)
                    for w, word in enumerate(sentence):
                        if isinstance(word, bool) or not isinstance(word, numbers.Integral):
                            raise TypeError(
                                f"Word {w} of {where} is {word!r}; word ids must be integers."
                            )
                    sentence_lengths.append(len(sentence))
                    word_ids.extend(sentence)
        return cls(
            np.array(word_ids, dtype=np.int64),
            offsets_from_lengths(sentence_lengths),
            offsets_from_lengths(paragraph_sizes),
            offsets_from_lengths(document_sizes),
            vocabulary,
        )

    @property
    def shape(self):
        return (len(self),)

    @property
    def ndim(self):
        return 1

    def __len__(self):
        return len(self.document_offsets) - 1

    @property
    def nbytes(self):
        """Bytes held by the id and offset arrays (the shared vocabulary excluded)."""
        return (
            self.word_ids.nbytes
            + self.sentence_offsets.nbytes
            + self.paragraph_offsets.nbytes
            + self.document_offsets.nbytes
        )

    @property
    def n_paragraphs(self):
        """Number of paragraphs of each document, shape (n_documents,)."""
        return np.diff(self.document_offsets)

    @property
    def n_sentences(self):
        """Number of sentences of each document, shape (n_documents,)."""
        return np.diff(self.paragraph_offsets[self.document_offsets])

    @property
    def n_words(self):
        """Number of words of each document, shape (n_documents,)."""
        return np.diff(self.sentence_offsets[self.paragraph_offsets[self.document_offsets]])

    def __getitem__(self, key):
        if isinstance(key, tuple):
            # scikit-learn's _safe_indexing asks for X[key, ...]
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise IndexError("TokenizedDocuments is one-dimensional: index it with one key.")
        if isinstance(key, numbers.Integral):
            return self._document(int(key))
        return self.take(self._positions(key))

    def _positions(self, key):
        n = len(self)
        if isinstance(key, slice):
            return np.arange(n, dtype=np.int64)[key]
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (n,):
                raise IndexError(
                    f"boolean index has shape {key.shape}; it must be ({n},) to select documents."
                )
            return np.flatnonzero(key)
        if key.size == 0:
            return np.zeros(0, dtype=np.int64)
        if key.ndim != 1 or not np.issubdtype(key.dtype, np.integer):
            raise IndexError(
                "documents are selected with an int, a slice, a 1-D integer array or a boolean "
                f"mask; got {key.dtype} array of shape {key.shape}."
            )
        if key.min() < -n or key.max() >= n:
            raise IndexError(f"index out of range for {n} documents.")
        return np.where(key < 0, key + n, key).astype(np.int64)

    def _document(self, index):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"document index {index} is out of range for {n} documents.")
        index %= n
        sentence_offsets, paragraph_offsets = self.sentence_offsets, self.paragraph_offsets
        document = []
        for paragraph in range(self.document_offsets[index], self.document_offsets[index + 1]):
            sentences = range(paragraph_offsets[paragraph], paragraph_offsets[paragraph + 1])
            document.append(
                [
                    self.word_ids[sentence_offsets[s] : sentence_offsets[s + 1]].tolist()
                    for s in sentences
                ]
            )
        return document

    def take(self, positions):
        """Return the documents at ``positions`` (1-D int array) as a new container.

        Parameters
        ----------
        positions : ndarray of int
            Non-negative document positions, in the order wanted.

        Returns
        -------
        TokenizedDocuments
        """
        positions = np.asarray(positions, dtype=np.int64)
        doc_off, par_off, sen_off = (
            self.document_offsets,
            self.paragraph_offsets,
            self.sentence_offsets,
        )
        paragraphs = concatenated_ranges(doc_off[positions], doc_off[positions + 1])
        sentences = concatenated_ranges(par_off[paragraphs], par_off[paragraphs + 1])
        words = concatenated_ranges(sen_off[sentences], sen_off[sentences + 1])
        new = object.__new__(type(self))
        new.word_ids = self.word_ids[words]
        new.sentence_offsets = offsets_from_lengths(sen_off[sentences + 1] - sen_off[sentences])
        new.paragraph_offsets = offsets_from_lengths(par_off[paragraphs + 1] - par_off[paragraphs])
        new.document_offsets = offsets_from_lengths(doc_off[positions + 1] - doc_off[positions])
        new.vocabulary = self.vocabulary
        new.vocabulary_size = self.vocabulary_size
        return new

    def __iter__(self):
        return (self._document(i) for i in range(len(self)))

    def __eq__(self, other):
        if not isinstance(other, TokenizedDocuments):
            return NotImplemented
        return (
            np.array_equal(self.word_ids, other.word_ids)
            and np.array_equal(self.sentence_offsets, other.sentence_offsets)
            and np.array_equal(self.paragraph_offsets, other.paragraph_offsets)
            and np.array_equal(self.document_offsets, other.document_offsets)
            and dict(self.vocabulary) == dict(other.vocabulary)
        )

    __hash__ = None

    def __repr__(self):
        return (
            f"TokenizedDocuments(n_documents={len(self)}, "
            f"n_paragraphs={len(self.paragraph_offsets) - 1}, "
            f"n_sentences={len(self.sentence_offsets) - 1}, n_words={len(self.word_ids)}, "
            f"vocabulary_size={self.vocabulary_size})"
        )


def check_documents(X, estimator_name):
    """Return ``X`` if it is TokenizedDocuments; raise a TypeError that says how to get them.

    Parameters
    ----------
    X : object
        What an estimator was given.
    estimator_name : str
        The estimator's name, for the message.

    Returns
    -------
    TokenizedDocuments

    Examples
    --------
    >>> check_documents(["raw text"], "MultiGranularityClassifier")
    Traceback (most recent call last):
    ...
    TypeError: MultiGranularityClassifier expects TokenizedDocuments, the output of \
HierarchicalTokenizer; got raw text. ...
    """
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


def check_same_vocabulary(X, vocabulary):
    """Raise if ``X`` was tokenized with another vocabulary than ``vocabulary``.

    Parameters
    ----------
    X : TokenizedDocuments
        The documents.
    vocabulary : Mapping of str to int
        The vocabulary an estimator was fitted with.

    Examples
    --------
    >>> docs = TokenizedDocuments.from_nested([[[[2]]]], {"a": 2})
    >>> check_same_vocabulary(docs, {"a": 2})  # the same: passes
    """
    if X.vocabulary is vocabulary or X.vocabulary == vocabulary:
        return
    raise ValueError(
        f"X was tokenized with a different vocabulary ({len(X.vocabulary)} words) from "
        f"the one this classifier was fitted on ({len(vocabulary)} words). Transform "
        "texts with the HierarchicalTokenizer fitted with it (a Pipeline does this)."
    )
