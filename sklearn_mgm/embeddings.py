"""Pretrained word vectors aligned to a vocabulary.

Vectors come from a file in GloVe, word2vec or fastText text format (with or
without the ``count dim`` header line), a word2vec binary file (each plain or
gzip-compressed), a gensim ``KeyedVectors`` or a dict of word to vector. Files
are streamed: only the vectors of the vocabulary's words are kept in memory.
"""

import codecs
import gzip
import io
import itertools
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods

# scikit-learn constraints of an estimator's pretrained-vector parameters
EMBEDDING_PARAMETER_CONSTRAINTS = {
    "pretrained_embeddings": [str, os.PathLike, Mapping, HasMethods(["get_vector"]), None],
    "freeze_embeddings": ["boolean"],
}

# word2vec binary files are read in chunks of this many bytes
_CHUNK_BYTES = 1 << 20


def align_word_vectors(source, vocabulary, embedding_dim):
    """Vectors of the vocabulary's words found in ``source``.

    Parameters
    ----------
    source : str, path, gensim KeyedVectors or dict
        A vector file (GloVe / word2vec / fastText text, or word2vec binary,
        detected by its content or a ``.bin`` name; plain or gzip), an object
        with gensim's ``key_to_index`` and ``vectors``, or a dict of word to
        vector.
    vocabulary : Mapping of str to int
        Word to id, as :attr:`TokenizedDocuments.vocabulary` holds it.
    embedding_dim : int
        Number of dimensions every vector must have.

    Returns
    -------
    ids : ndarray of int64, shape (n_found,)
        Ids of the words that have a vector, ascending.
    vectors : ndarray of float32, shape (n_found, embedding_dim)
        Their vectors, row ``k`` for ``ids[k]``.

    Raises
    ------
    FileNotFoundError
        When the path names no file.
    ValueError
        For an empty or malformed file or a vector of another dimension,
        naming the file and line (or the dict key).

    Examples
    --------
    >>> ids, vectors = align_word_vectors(
    ...     {"cat": [0.5, 1.0], "dog": [2.0, 0.0]}, {"cat": 2, "fish": 3}, embedding_dim=2
    ... )
    >>> ids.tolist(), vectors.tolist()
    ([2], [[0.5, 1.0]])
    """
    if isinstance(source, (str, os.PathLike)):
        found = _read_vector_file(Path(source), vocabulary, embedding_dim)
    elif hasattr(source, "key_to_index") and hasattr(source, "vectors"):
        found = _from_keyed_vectors(source, vocabulary, embedding_dim)
    elif isinstance(source, Mapping):
        found = _from_mapping(source, vocabulary, embedding_dim)
    else:
        raise TypeError(
            "pretrained_embeddings must be a path to a vector file, a gensim KeyedVectors "
            f"(for a gensim model, pass model.wv) or a dict of word to vector; got "
            f"{type(source).__name__}."
        )
    ids = np.array(sorted(found), dtype=np.int64)
    vectors = np.array([found[i] for i in ids], dtype=np.float32).reshape(len(ids), embedding_dim)
    return ids, vectors


def file_stamp(source):
    """Path, size and modification time of a vector file; None for other sources.

    Parameters
    ----------
    source : object
        A ``pretrained_embeddings`` value.

    Returns
    -------
    tuple or None
        Equal stamps mean the file need not be read again; None when ``source``
        is not a path or names no file.

    Examples
    --------
    >>> file_stamp({"cat": [0.5, 1.0]}) is None
    True
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    try:
        stat = os.stat(source)
    except OSError:
        return None
    return os.path.abspath(source), stat.st_size, stat.st_mtime_ns


def embedding_coverage(ids, documents):
    """Share of the vocabulary, and of the documents' tokens, that have a vector.

    Parameters
    ----------
    ids : ndarray of int
        Ids of the words that have a vector (from :func:`align_word_vectors`).
    documents : TokenizedDocuments
        The documents; unknown-word tokens count as having no vector.

    Returns
    -------
    dict
        ``{"vocabulary": float, "tokens": float}``, shares between 0 and 1.

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> docs = TokenizedDocuments.from_nested([[[[2, 2, 3, 1]]]], {"cat": 2, "fish": 3})
    >>> embedding_coverage(np.array([2]), docs)
    {'vocabulary': 0.5, 'tokens': 0.5}
    """
    has_vector = np.zeros(documents.vocabulary_size, dtype=bool)
    has_vector[ids] = True
    n_tokens = len(documents.word_ids)
    return {
        "vocabulary": len(ids) / max(len(documents.vocabulary), 1),
        "tokens": float(has_vector[documents.word_ids].sum() / max(n_tokens, 1)),
    }


def describe_coverage(coverage, n_found, n_vocabulary):
    """One sentence that reports an :func:`embedding_coverage`, as ``verbose`` fits print it.

    Parameters
    ----------
    coverage : dict
        ``{"vocabulary": float, "tokens": float}`` from :func:`embedding_coverage`.
    n_found : int
        Vocabulary words that have a vector.
    n_vocabulary : int
        Words in the vocabulary.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_coverage({"vocabulary": 0.5, "tokens": 0.75}, 1, 2)
    'Pretrained vectors found for 1 of 2 vocabulary words (50.0%) and 75.0% of the training tokens.'
    """
    return (
        f"Pretrained vectors found for {n_found} of {n_vocabulary} vocabulary words "
        f"({coverage['vocabulary']:.1%}) and {coverage['tokens']:.1%} of the training tokens."
    )


class AlignedVectorCache:
    """The last vectors :func:`align_word_vectors` gave, kept for the next fit.

    A file is read again only when it changed on disk (:func:`file_stamp`)
    or the vocabulary or dimension differ; other sources are aligned anew
    every time, as they may have been changed in place.

    Examples
    --------
    >>> cache = AlignedVectorCache()
    >>> ids, vectors = cache.aligned({"cat": [0.5, 1.0]}, {"cat": 2}, embedding_dim=2)
    >>> ids.tolist()
    [2]
    """

    def __init__(self):
        self._key = None
        self._vectors = None

    def aligned(self, source, vocabulary, embedding_dim):
        """``align_word_vectors(source, vocabulary, embedding_dim)``, from the cache when it can.

        Parameters
        ----------
        source, vocabulary, embedding_dim
            As for :func:`align_word_vectors`.

        Returns
        -------
        ids, vectors : ndarray
            As :func:`align_word_vectors` returns them.
        """
        stamp = file_stamp(source)
        key = (stamp, embedding_dim, vocabulary)
        if stamp is None or self._key != key:
            self._vectors = align_word_vectors(source, vocabulary, embedding_dim)
            self._key = key
        return self._vectors

    def copy_into(self, embedding, source, vocabulary):
        """Overwrite the rows of ``embedding`` whose words have a vector in ``source``.

        Parameters
        ----------
        embedding : torch.nn.Embedding
            Rows indexed by the vocabulary's ids.
        source, vocabulary
            As for :func:`align_word_vectors`; the dimension is the embedding's.
        """
        ids, vectors = self.aligned(source, vocabulary, embedding.embedding_dim)
        weight = embedding.weight
        with torch.no_grad():
            weight[torch.from_numpy(ids)] = torch.from_numpy(vectors).to(weight.dtype)


def _from_mapping(vectors, vocabulary, dim):
    found = {}
    for word, index in vocabulary.items():
        if word in vectors:
            vector = np.asarray(vectors[word], dtype=np.float32)
            where = f"pretrained_embeddings[{word!r}]"
            if vector.shape != (dim,):
                raise ValueError(
                    f"{where} has shape {vector.shape}; expected ({dim},) as embedding_dim={dim}."
                )
            found[index] = _finite(vector, where)
    return found


def _from_keyed_vectors(keyed_vectors, vocabulary, dim):
    matrix = keyed_vectors.vectors
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(
            f"The KeyedVectors hold vectors of shape {matrix.shape[1:]}; embedding_dim is {dim}. "
            f"Set embedding_dim={matrix.shape[-1]} to use them."
        )
    rows = keyed_vectors.key_to_index
    return {
        index: _finite(matrix[rows[word]], f"KeyedVectors[{word!r}]")
        for word, index in vocabulary.items()
        if word in rows
    }


def _finite(vector, where):
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{where}: the vector holds a NaN or infinite number.")
    return vector


def _read_vector_file(path, vocabulary, dim):
    if not path.is_file():
        raise FileNotFoundError(f"pretrained_embeddings: no vector file at {str(path)!r}.")
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rb") as stream:
        first = stream.readline()
        if not first.strip():
            raise ValueError(
                f"{path.name} is empty or starts with a blank line; expected word vectors, one "
                "per line ('word 0.12 -0.5 ...'), optionally after a 'count dim' header."
            )
        header = _parse_header(first)
        if header is None:
            if path.name.endswith((".bin", ".bin.gz")):
                raise ValueError(
                    f"{path.name}, line 1: a word2vec binary file starts with a 'count dim' "
                    f"header; got {_shorten(first)!r}."
                )
            return _read_text(path, stream, first, None, vocabulary, dim)
        count, file_dim = header
        if file_dim != dim:
            raise ValueError(
                f"{path.name}, line 1: the header announces {file_dim}-dimensional vectors, but "
                f"embedding_dim is {dim}. Set embedding_dim={file_dim} to use them."
            )
        if path.name.endswith((".bin", ".bin.gz")) or _looks_binary(stream.peek(4096)[:4096]):
            return _read_binary(path, stream, count, vocabulary, dim)
        return _read_text(path, stream, None, count, vocabulary, dim)


def _is_gzip(path):
    with open(path, "rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


def _parse_header(line):
    fields = line.split()
    if len(fields) == 2 and all(field.isdigit() for field in fields):
        return int(fields[0]), int(fields[1])
    return None


def _looks_binary(sample):
    if b"\x00" in sample:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _shorten(line, limit=60):
    text = line.decode("utf-8", errors="replace").rstrip() if isinstance(line, bytes) else line
    return text if len(text) <= limit else text[:limit] + "..."


def _read_text(path, stream, first_line, count, vocabulary, dim):
    """Read ``word x1 ... xdim`` lines; ``first_line`` is line 1 when there is no header."""
    numbered = enumerate(io.TextIOWrapper(stream, encoding="utf-8", errors="replace"), start=2)
    if first_line is not None:
        numbered = itertools.chain([(1, first_line.decode("utf-8", errors="replace"))], numbered)
    found, n_vectors = {}, 0
    for number, line in numbered:
        line = line.rstrip()
        if not line:
            continue
        n_vectors += 1
        word, _, rest = line.partition(" ")
        n_numbers = rest.count(" ") + 1 if rest else 0
        if n_numbers != dim:
            word, numbers = _split_irregular(path, number, line, dim, first=n_vectors == 1)
        else:
            numbers = rest
        index = vocabulary.get(word)
        if index is not None and index not in found:
            found[index] = _parse_numbers(path, number, word, numbers)
    if n_vectors == 0:
        raise ValueError(f"{path.name} holds no vectors after its header line.")
    if count is not None and n_vectors != count:
        raise ValueError(
            f"{path.name}: the header announces {count} vectors, but the file holds "
            f"{n_vectors}. Is the file truncated?"
        )
    return found


def _split_irregular(path, number, line, dim, first):
    """Split a line whose fields are not single-space separated, or whose word has spaces."""
    fields = line.split()
    n_numbers = len(fields) - 1
    if n_numbers > dim and not _is_number(fields[1]):
        # a multi-word key (as in GloVe 840B, e.g. ". . ."): the vector is the last dim fields
        return " ".join(fields[:-dim]), " ".join(fields[-dim:])
    if n_numbers != dim:
        hint = f" Set embedding_dim={n_numbers} to use these vectors." if first else ""
        raise ValueError(
            f"{path.name}, line {number}: expected {dim} numbers after the word, got "
            f"{n_numbers}.{hint}"
        )
    return fields[0], " ".join(fields[1:])


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_numbers(path, number, word, numbers):
    fields = numbers.split()
    bad = next((field for field in fields if not _is_number(field)), None)
    if bad is not None:
        raise ValueError(f"{path.name}, line {number}: {_shorten(bad)!r} is not a number.")
    return _finite(np.array(fields, dtype=np.float32), f"{path.name}, line {number} ({word!r})")


def _read_binary(path, stream, count, vocabulary, dim):
    """Read ``count`` word2vec records: the word, a space, then ``dim`` little-endian float32."""
    size = 4 * dim
    found, buffer, start = {}, b"", 0
    for record in range(1, count + 1):
        while True:
            space = buffer.find(b" ", start)
            if space >= 0 and len(buffer) >= space + 1 + size:
                break
            chunk = stream.read(max(_CHUNK_BYTES, size + 1))
            if not chunk:
                raise ValueError(
                    f"{path.name}: the file ends inside vector {record}; its header announces "
                    f"{count} vectors of {dim} dimensions. Is the file truncated?"
                )
            buffer, start = buffer[start:] + chunk, 0
        # word2vec's own writer ends each record with a newline, gensim's does not
        word = buffer[start:space].lstrip(b"\n").decode("utf-8", errors="replace")
        index = vocabulary.get(word)
        if index is not None and index not in found:
            vector = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
            found[index] = _finite(vector.copy(), f"{path.name}, vector {record} ({word!r})")
        start = space + 1 + size
    return found
