"""The bag view: a TF-IDF-weighted sum of word and hashed-bigram embeddings.

Where a document's topic decides its label, how often each word occurs says
more than where it occurs; linear models on TF-IDF features are strong there.
This view gives the network that evidence next to the hierarchical ones: each
document's distinct words (and, with ``bigram_buckets``, its runs of two
up to ``ngrams`` consecutive words hashed into that many buckets) are weighted by sublinear
term frequency times inverse document frequency, L2-normalised as
scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` does, and summed over
their embeddings. The document frequencies are counted on the training
documents (:meth:`BagOfNgrams.count_documents`) and kept as a buffer, so
they are saved with the weights.
"""

import numpy as np
import torch
from torch import nn

from .documents import UNKNOWN_ID

# a prime that spreads pairs of word ids over the bigram buckets
_PAIR_MULTIPLIER = 1_000_003


def bag_features(batch, vocabulary_size, bigram_buckets=0, ngrams=2):
    """Each document's distinct features and their counts.

    Features are word ids (unknown words excluded) and, with
    ``bigram_buckets``, ``vocabulary_size + hash(run) % bigram_buckets`` for
    each run of 2 to ``ngrams`` consecutive known words of a sentence.

    Parameters
    ----------
    batch : DocumentBatch
        The documents.
    vocabulary_size : int
        Number of word ids.
    bigram_buckets : int, default=0
        Buckets for hashed n-grams; 0 uses words only.
    ngrams : int, default=2
        Longest run of words hashed; with characters as words, 3 or 4 give
        the character n-grams of a linear baseline on such text.

    Returns
    -------
    documents, features, counts : LongTensor of shape (n_pairs,)
        The (document, feature) pairs present, sorted by document, and how
        often each occurs.

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> from sklearn_mgm.batching import collate_documents
    >>> docs = TokenizedDocuments.from_nested([[[[2, 3, 2]]], [[[1, 4]]]], {"a": 2, "b": 3, "c": 4})
    >>> documents, features, counts = bag_features(collate_documents(docs), 5)
    >>> documents.tolist(), features.tolist(), counts.tolist()
    ([0, 0, 1], [2, 3, 4], [2, 1, 1])
    """
    words = batch.words
    known = words > UNKNOWN_ID
    sentence_documents = batch.sentence_documents[:, None].expand_as(words)
    documents, features = [sentence_documents[known]], [words[known]]
    hashed, runs = words, known
    for n in range(2, ngrams + 1) if bigram_buckets else ():
        # each run's hash from the hash of its first n - 1 words, reduced at
        # every step so that no product leaves int64
        hashed = (hashed[:, :-1] * _PAIR_MULTIPLIER + words[:, n - 1 :]) % bigram_buckets
        runs = runs[:, :-1] & known[:, n - 1 :]
        documents.append(sentence_documents[:, n - 1 :][runs])
        features.append(vocabulary_size + hashed[runs])
    n_features = vocabulary_size + bigram_buckets
    keys = torch.cat(documents) * n_features + torch.cat(features)
    keys, counts = torch.unique(keys, sorted=True, return_counts=True)
    return keys // n_features, keys % n_features, counts


class BagOfNgrams(nn.Module):
    """TF-IDF-weighted sum of the embeddings of a document's words and hashed bigrams.

    Parameters
    ----------
    vocabulary_size : int
        Number of word ids.
    output_size : int
        Size of each feature's embedding, and of the view.
    bigram_buckets : int, default=0
        Buckets for hashed n-grams (0: words only).
    ngrams : int, default=2
        Longest run of consecutive words hashed into the buckets.
    sparse : bool, default=False
        Give the table sparse gradients, holding only the rows of a batch's
        features (train it with :class:`~sklearn_mgm.sparse_adam.LazyAdam`):
        a step then costs what the batch holds, not the size of the table.

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> from sklearn_mgm.batching import collate_documents
    >>> docs = TokenizedDocuments.from_nested([[[[2, 3]]], [[[3]]]], {"a": 2, "b": 3})
    >>> bag = BagOfNgrams(vocabulary_size=4, output_size=8, bigram_buckets=16)
    >>> bag.count_documents(docs)
    >>> bag.idf[2:4].tolist()  # "a" is in one document, "b" in both
    [1.4054651260375977, 1.0]
    >>> bag(collate_documents(docs)).shape
    torch.Size([2, 8])
    """

    def __init__(self, vocabulary_size, output_size, bigram_buckets=0, sparse=False, ngrams=2):
        super().__init__()
        self.vocabulary_size = vocabulary_size
        self.bigram_buckets = bigram_buckets
        self.ngrams = ngrams
        self.output_size = output_size
        n_features = vocabulary_size + bigram_buckets
        self.embedding = nn.EmbeddingBag(n_features, output_size, mode="sum", sparse=sparse)
        self.register_buffer("idf", torch.ones(n_features))

    def count_documents(self, documents, chunk_size=512):
        """Set the inverse document frequencies from training documents.

        ``idf = ln((1 + n) / (1 + df)) + 1``, as scikit-learn's smoothed IDF,
        and 0 for the features no training document holds: like n-grams
        outside a fitted ``TfidfVectorizer``'s vocabulary they weigh nothing,
        so a hashed bigram first seen at prediction time adds neither its
        untrained embedding nor a share of the document's norm.

        Parameters
        ----------
        documents : TokenizedDocuments
            The training documents.
        chunk_size : int, default=512
            Documents counted at a time.
        """
        from .batching import collate_documents  # batching imports the network's peers

        frequencies = np.zeros(len(self.idf), dtype=np.int64)
        for start in range(0, len(documents), chunk_size):
            chunk = documents.take(np.arange(start, min(start + chunk_size, len(documents))))
            _, features, _ = bag_features(
                collate_documents(chunk, None),
                self.vocabulary_size,
                self.bigram_buckets,
                self.ngrams,
            )
            frequencies += np.bincount(features.numpy(), minlength=len(frequencies))
        idf = np.where(frequencies > 0, np.log((1 + len(documents)) / (1 + frequencies)) + 1, 0.0)
        self.idf.copy_(torch.from_numpy(idf))

    def tfidf(self, batch):
        """Each document's TF-IDF weights, as ``TfidfVectorizer(sublinear_tf=True)`` gives them.

        Returns
        -------
        documents, features : LongTensor of shape (n_pairs,)
            The (document, feature) pairs present, sorted by document.
        weights : Tensor of shape (n_pairs,)
            ``(1 + ln(count)) * idf``, of unit L2 norm per document.
        """
        documents, features, counts = bag_features(
            batch, self.vocabulary_size, self.bigram_buckets, self.ngrams
        )
        weights = (1 + torch.log(counts.to(self.idf.dtype))) * self.idf[features]
        norms = weights.new_zeros(len(batch)).index_add_(0, documents, weights**2).sqrt()
        # a document of unseen features only keeps weights of 0 rather than 0 / 0
        return documents, features, weights / norms[documents].clamp(min=1e-12)

    def forward(self, batch, return_shares=False):
        """The view of each document (B, D) and, optionally, each word's share of it.

        The share of a word occurrence is its feature's weight, split among
        the feature's occurrences, over the document's sum of word weights
        (bigrams left out): a (sentences, longest sentence) grid whose known
        words sum to 1 per document, unknown words and padding 0.
        """
        documents, features, weights = self.tfidf(batch)
        starts = torch.searchsorted(documents, torch.arange(len(batch), device=documents.device))
        vectors = self.embedding(features, starts, per_sample_weights=weights)  # (B, D)
        if not return_shares:
            return vectors
        return vectors, self._word_shares(batch, documents, features, weights)

    def _word_shares(self, batch, documents, features, weights):
        words = features < self.vocabulary_size
        documents, features, weights = documents[words], features[words], weights[words]
        totals = weights.new_zeros(len(batch)).index_add_(0, documents, weights)
        _, _, counts = bag_features(batch, self.vocabulary_size)
        # the same sorted (document, word) pairs as bag_features without bigrams
        per_occurrence = weights / counts / totals[documents].clamp(min=1e-12)
        lookup = weights.new_zeros(len(batch), self.vocabulary_size)  # padding, unknown: 0
        lookup[documents, features] = per_occurrence
        return lookup[batch.sentence_documents[:, None], batch.words]  # (S, W)
