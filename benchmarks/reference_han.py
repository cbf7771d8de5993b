"""A straightforward hierarchical attention network, the baseline of benchmarks/throughput.py.

What a first implementation of Yang et al. (2016) usually looks like: each batch
is padded to its own largest document (sentences × words), batches are drawn at
random, the recurrent encoders run over the padding, attention masks it. Same
sizes as the benchmarked MultiGranularityClassifier: embedding 100, bi-GRU 50
per direction, word and sentence attention.
"""

import numpy as np
import torch
from skorch import NeuralNetClassifier
from torch import nn
from torch.utils.data import Dataset


class NestedDocuments(Dataset):
    """Documents as nested Python lists (sentences of word ids), with labels."""

    def __init__(self, X, y=None):
        # a document is flattened to its sentences, as this HAN has no paragraph level
        self.X = [[sentence for paragraph in document for sentence in paragraph] for document in X]
        self.y = None if y is None else np.asarray(y)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], (0 if self.y is None else self.y[index])


def pad_batch(batch):
    """Pad a batch to its largest document: (B, max sentences, max words)."""
    documents, labels = zip(*batch)
    n_sentences = max(1, max(len(d) for d in documents))
    n_words = max([1] + [len(s) for d in documents for s in d])
    words = torch.zeros(len(documents), n_sentences, n_words, dtype=torch.long)
    for i, document in enumerate(documents):
        for j, sentence in enumerate(document):
            words[i, j, : len(sentence)] = torch.tensor(sentence)
    return words, torch.as_tensor(np.asarray(labels))


class Attention(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.projection = nn.Linear(size, size)
        self.context = nn.Linear(size, 1, bias=False)

    def forward(self, states, mask):
        scores = self.context(torch.tanh(self.projection(states))).squeeze(-1)
        scores = scores.masked_fill(~mask, -1e9)
        weights = torch.softmax(scores, dim=-1) * mask
        return (weights.unsqueeze(-1) * states).sum(dim=-2)


class ReferenceHAN(nn.Module):
    def __init__(self, vocabulary_size, n_classes, embedding_dim=100, hidden_size=50):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
        self.word_gru = nn.GRU(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.word_attention = Attention(2 * hidden_size)
        self.sentence_gru = nn.GRU(
            2 * hidden_size, hidden_size, batch_first=True, bidirectional=True
        )
        self.sentence_attention = Attention(2 * hidden_size)
        self.output = nn.Linear(2 * hidden_size, n_classes)

    def forward(self, words):
        batch, n_sentences, n_words = words.shape
        flat = words.view(batch * n_sentences, n_words)  # (B*S, W)
        word_states, _ = self.word_gru(self.embedding(flat))  # (B*S, W, 2H)
        sentences = self.word_attention(word_states, flat > 0)  # (B*S, 2H)
        sentences = sentences.view(batch, n_sentences, -1)  # (B, S, 2H)
        sentence_states, _ = self.sentence_gru(sentences)  # (B, S, 2H)
        document = self.sentence_attention(sentence_states, (words > 0).any(-1))  # (B, 2H)
        return self.output(document)


def reference_han_classifier(vocabulary_size, n_classes, **params):
    """A skorch classifier training ReferenceHAN on nested lists of word ids."""
    return NeuralNetClassifier(
        ReferenceHAN,
        module__vocabulary_size=vocabulary_size,
        module__n_classes=n_classes,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        dataset=NestedDocuments,
        iterator_train__shuffle=True,
        iterator_train__collate_fn=pad_batch,
        iterator_valid__collate_fn=pad_batch,
        train_split=None,
        verbose=0,
        **params,
    )
