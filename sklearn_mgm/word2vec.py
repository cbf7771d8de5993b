"""Word vectors learned from the training documents themselves, as the embeddings' start.

With ``pretrained_embeddings="word2vec"``, a fit first trains gensim's
skip-gram Word2Vec on the sentences of its training documents (word ids as
tokens, so the vocabulary's own words and nothing else) and starts the
network's embedding table from those vectors instead of random ones: words
used alike start alike, which the network would otherwise have to learn from
the labels alone. Only the training documents are read, so nothing leaks
from held-out folds. gensim is the ``embeddings`` extra
(``pip install "sklearn-mgm[embeddings]"``).
"""

import zlib

import numpy as np

from .documents import UNKNOWN_ID

# the pretrained_embeddings value that asks for these vectors
WORD2VEC = "word2vec"

# skip-gram with gensim's usual window; a few passes suffice to shape the start
WORD2VEC_SETTINGS = {"sg": 1, "window": 5, "min_count": 1, "epochs": 5}


def _stable_hash(text):
    # gensim seeds each word's start vector from hash(word + seed); Python's
    # str hash changes between processes, this one does not
    return zlib.crc32(text.encode())


def word2vec_vectors(documents, embedding_dim, seed=1):
    """Word2Vec vectors of the documents' known words, each of unit length.

    Parameters
    ----------
    documents : TokenizedDocuments
        The training documents; each sentence is one Word2Vec sentence.
    embedding_dim : int
        Size of the vectors.
    seed : int, default=1
        Word2Vec's seed; one worker thread, so equal seeds give equal vectors.

    Returns
    -------
    ids : ndarray of int64, shape (n_found,)
        Ids of the known words that occur in the documents, ascending.
    vectors : ndarray of float32, shape (n_found, embedding_dim)
        Their vectors, row ``k`` for ``ids[k]``, of length 1 (the caller
        scales them to its own start's length).

    Raises
    ------
    ImportError
        When gensim is not installed, naming the extra to install.

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> docs = TokenizedDocuments.from_nested([[[[2, 3, 1], [3, 2]]]], {"cat": 2, "dog": 3})
    >>> ids, vectors = word2vec_vectors(docs, embedding_dim=4)
    >>> ids.tolist(), vectors.shape
    ([2, 3], (2, 4))
    >>> np.linalg.norm(vectors, axis=1).round(3).tolist()
    [1.0, 1.0]
    """
    try:
        from gensim.models import Word2Vec
    except ImportError as error:
        raise ImportError(
            'pretrained_embeddings="word2vec" needs gensim: pip install "sklearn-mgm[embeddings]".'
        ) from error
    tokens = np.split(documents.word_ids.astype(str), documents.sentence_offsets[1:-1])
    sentences = [sentence.tolist() for sentence in tokens if len(sentence)]
    if not sentences:
        return np.zeros(0, dtype=np.int64), np.zeros((0, embedding_dim), dtype=np.float32)
    model = Word2Vec(
        sentences,
        vector_size=embedding_dim,
        workers=1,
        seed=seed,
        hashfxn=_stable_hash,
        **WORD2VEC_SETTINGS,
    )
    ids = np.array([int(word) for word in model.wv.index_to_key], dtype=np.int64)
    known = ids > UNKNOWN_ID
    order = np.argsort(ids[known])
    vectors = model.wv.vectors[known][order].astype(np.float32)
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.maximum(lengths, np.finfo(np.float32).tiny)
    return ids[known][order], vectors
