"""From TokenizedDocuments to padded batches: dataset, length bucketing and collate.

The container is never padded as a whole. A batch of documents is gathered in
one vectorised step and padded only to its own largest sentence, paragraph and
document; documents of similar size are batched together so little is padded.
"""

from functools import partial

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler, Subset

from .documents import PAD_ID, TokenizedDocuments, offsets_from_lengths

# Documents are sorted by size inside pools of this many batches, then the
# batches are shuffled: batches hold similar sizes yet differ every epoch.
BUCKET_POOL_BATCHES = 50

# Within a batch, sentences are laid out in groups of similar length: a group takes
# sentences while they are longer than its longest divided by this ratio. On BBC
# News, one grid per batch is 38 % words and 62 % padding; groups make it 71 %
# words. The word attention reads each group's grid; encoders that read sequences
# laid end to end (a GRU on the CPU) read all groups in one pass.
WORD_GROUP_RATIO = 1.5


class DocumentDataset(Dataset):
    """A torch Dataset over :class:`~sklearn_mgm.TokenizedDocuments` and labels.

    Fetching a list of positions returns one ``(documents, labels)`` pair, so a
    whole batch is gathered at once (``__getitems__``); with sample weights,
    ``labels`` is a pair ``(labels, weights)``.

    Parameters
    ----------
    X : TokenizedDocuments
        The documents.
    y : ndarray or None, default=None
        Encoded labels: one per document, or an indicator row per document.
    sample_weight : ndarray of float or None, default=None
        The weight of each document in the loss.
    """

    def __init__(self, X, y=None, sample_weight=None):
        # the names X and y let skorch's helpers (data_from_dataset) read them
        self.X = X
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.__getitems__([index])

    def __getitems__(self, indices):
        positions = np.asarray(indices, dtype=np.int64)
        labels = None if self.y is None else self.y[positions]
        if self.sample_weight is not None and labels is not None:
            labels = (labels, self.sample_weight[positions].astype(np.float32))
        return self.X.take(positions), labels


def document_sizes(dataset):
    """Number of words of each document of a DocumentDataset or a Subset of one.

    Parameters
    ----------
    dataset : DocumentDataset or torch.utils.data.Subset
        The data to be batched.

    Returns
    -------
    ndarray of int
    """
    if isinstance(dataset, Subset):
        return document_sizes(dataset.dataset)[np.asarray(dataset.indices)]
    return dataset.X.n_words


class BucketBatchSampler(Sampler):
    """Batches of positions whose documents have similar sizes.

    With ``shuffle``, positions are shuffled, sorted by size within pools of
    ``BUCKET_POOL_BATCHES`` batches, cut into batches, and the batches are
    shuffled; the random numbers come from torch's generator, so
    ``torch.manual_seed`` makes the order reproducible. Without ``shuffle``,
    batches follow the given order.

    Parameters
    ----------
    sizes : ndarray of int
        Size (words) of each document.
    batch_size : int
        Most documents per batch.
    shuffle : bool
        Bucket and shuffle (training) or keep the order (evaluation).
    max_words : int or None, default=None
        Most words per batch: a batch ends before the document that would
        take it past ``max_words`` (a longer document makes a batch alone).
        None: batches hold ``batch_size`` documents.

    Examples
    --------
    >>> list(BucketBatchSampler([5, 5, 5, 20, 1], batch_size=3, shuffle=False, max_words=12))
    [[0, 1], [2], [3], [4]]
    """

    def __init__(self, sizes, batch_size, shuffle, max_words=None):
        self.sizes = np.asarray(sizes)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.max_words = max_words

    def __len__(self):
        if self.max_words is None:
            return -(-len(self.sizes) // self.batch_size)
        if not self.shuffle:
            return len(self._cut(np.arange(len(self.sizes))))
        # shuffled batches vary a little in number; count those of the size-sorted order
        return len(self._cut(np.argsort(self.sizes, kind="stable")))

    def __iter__(self):
        n = len(self.sizes)
        if not self.shuffle:
            yield from self._cut(np.arange(n))
            return
        rng = np.random.default_rng(int(torch.randint(2**31 - 1, ()).item()))
        order = rng.permutation(n)
        pool = self.batch_size * BUCKET_POOL_BATCHES
        batches = []
        for start in range(0, n, pool):
            chunk = order[start : start + pool]
            batches.extend(self._cut(chunk[np.argsort(self.sizes[chunk], kind="stable")]))
        for index in rng.permutation(len(batches)):
            yield batches[index]

    def _cut(self, positions):
        """Consecutive batches of ``positions``, by count and by words."""
        if self.max_words is None:
            return [
                positions[i : i + self.batch_size].tolist()
                for i in range(0, len(positions), self.batch_size)
            ]
        batches, batch, words = [], [], 0
        for position, size in zip(positions.tolist(), self.sizes[positions].tolist()):
            if batch and (len(batch) == self.batch_size or words + size > self.max_words):
                batches.append(batch)
                batch, words = [], 0
            batch.append(position)
            words += size
        return [*batches, batch] if batch else batches


def length_groups(lengths, ratio):
    """Split rows into groups of similar length, longest first.

    Parameters
    ----------
    lengths : ndarray of int
        Length of each row (all positive).
    ratio : float > 1 or None
        A group keeps taking the next longest row while that row is longer
        than the group's longest divided by ``ratio``. None makes one group
        of all rows in their order.

    Returns
    -------
    list of (ndarray of int, int)
        The rows of each group, longest first, and the group's longest length.

    Examples
    --------
    >>> [(rows.tolist(), width) for rows, width in length_groups(np.array([3, 9, 8, 2, 5]), 1.5)]
    [([1, 2], 9), ([4], 5), ([0], 3), ([3], 2)]
    """
    lengths = np.asarray(lengths)
    if len(lengths) == 0:
        return []
    if ratio is None:
        return [(np.arange(len(lengths)), int(lengths.max()))]
    order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order]
    groups, start = [], 0
    while start < len(order):
        stop = int(np.searchsorted(-ordered, -ordered[start] / ratio, side="left"))
        groups.append((order[start:stop], int(ordered[start])))
        start = stop
    return groups


def _padded_positions(counts):
    """Row and column of every item when groups of ``counts`` items are padded."""
    counts = np.asarray(counts, dtype=np.int64)
    rows = np.repeat(np.arange(len(counts)), counts)
    columns = np.arange(int(counts.sum())) - np.repeat(offsets_from_lengths(counts)[:-1], counts)
    return rows, columns


def _index_matrix(counts, values):
    """A (groups, max count) int64 matrix of ``values`` laid out by group, 0-padded.

    0 is both ``PAD_ID`` for word ids and "no item" for the 1-based indices.
    """
    rows, columns = _padded_positions(counts)
    matrix = np.zeros((len(counts), max(int(np.max(counts, initial=0)), 1)), dtype=np.int64)
    matrix[rows, columns] = values
    return matrix


class DocumentBatch:
    """Padded tensors of one batch of documents: the contract between batching and the network.

    :func:`collate_documents` writes it and
    :class:`~sklearn_mgm.network.MultiGranularityNetwork` reads it; nothing
    else about the data reaches the network. Items are numbered in document
    order: sentence ``k`` is the ``k``-th non-empty sentence of the batch,
    paragraph ``j`` the ``j``-th non-empty paragraph. Every index tensor uses
    0 for padding and ``k + 1`` for item ``k``; ``words`` holds word ids with
    ``PAD_ID`` (0) as padding.

    Two index tensors point into flattened tensors that the network builds,
    and so fix the order in which it builds them:

    - ``document_sentence_index`` points into the (paragraphs × longest
      paragraph) grid of sentence states flattened row by row: sentence
      ``c`` of paragraph ``j`` is at ``j * sentence_index.shape[1] + c``.
    - ``document_word_index`` points into the word states of the
      ``word_groups`` laid end to end, each group's (rows × width) grid
      flattened row by row: word ``w`` of the sentence at place ``r`` of
      group ``g`` is at ``sum(G_i * width_i for i < g) + r * width_g + w``.
      :meth:`in_sentence_order` undoes the grouping of per-sentence rows.

    Attributes
    ----------
    words : LongTensor of shape (n_sentences, longest sentence)
        Word ids of each sentence.
    sentence_index : LongTensor of shape (n_paragraphs, longest paragraph)
        Sentences (rows of ``words``) of each paragraph.
    paragraph_index : LongTensor of shape (n_documents, most paragraphs)
        Paragraphs (rows of ``sentence_index``) of each document.
    document_sentence_index : LongTensor of shape (n_documents, most sentences)
        Flat positions of each document's sentence states (see above).
    document_word_index : LongTensor of shape (n_documents, most words)
        Flat positions of each document's word states (see above).
    word_groups : tuple of (LongTensor, LongTensor, int)
        Sentences of similar length, encoded together: the rows of ``words``
        in the group (longest first), their lengths, and the group's width
        (its longest length). Together the groups hold every sentence once.
    grouped_position : LongTensor of shape (n_sentences,)
        Place of each sentence in the groups laid end to end.
    paragraph_lengths : LongTensor of shape (n_paragraphs,)
        Sentences per paragraph.
    document_lengths : LongTensor of shape (n_documents,)
        Paragraphs per document.
    sentence_documents : LongTensor of shape (n_sentences,)
        Document (row of ``paragraph_index``) of each sentence.

    The lengths, and each group's lengths and width, stay on the CPU, so
    that reading them needs no device synchronisation.
    """

    FIELDS = (
        "words",
        "sentence_index",
        "paragraph_index",
        "document_sentence_index",
        "document_word_index",
        "grouped_position",
        "sentence_documents",
    )
    LENGTHS = ("paragraph_lengths", "document_lengths")

    def __init__(self, word_groups, **tensors):
        self.word_groups = tuple(word_groups)
        for name in self.FIELDS + self.LENGTHS:
            setattr(self, name, tensors[name])

    def __len__(self):
        # skorch reads len(batch) as the number of samples in it
        return self.paragraph_index.shape[0]

    def in_sentence_order(self, rows):
        """Per-sentence rows computed group by group, put back in sentence order.

        Parameters
        ----------
        rows : list of Tensor of shape (G, ...)
            One per entry of ``word_groups``, in their order.

        Returns
        -------
        Tensor of shape (n_sentences, ...)
        """
        return torch.cat(rows)[self.grouped_position]

    def attention_masks(self):
        """Where each attention level of the network has a real item (True) or padding.

        Returns
        -------
        dict of str to BoolTensor
            Keyed like the weights ``MultiGranularityNetwork`` returns with
            ``return_attention=True``; each mask has the shape of that level's
            weights without the heads axis.
        """
        return {
            "word": self.words != PAD_ID,
            "bag": self.words != PAD_ID,
            "sentence": self.sentence_index > 0,
            "paragraph": self.paragraph_index > 0,
            "document_word": self.document_word_index > 0,
            "document_sentence": self.document_sentence_index > 0,
        }

    def to(self, device):
        """Return the batch with every tensor but the lengths moved to ``device``."""
        moved = {name: getattr(self, name).to(device, non_blocking=True) for name in self.FIELDS}
        groups = [
            (rows.to(device, non_blocking=True), lengths, width)
            for rows, lengths, width in self.word_groups
        ]
        return DocumentBatch(
            groups, **moved, **{name: getattr(self, name) for name in self.LENGTHS}
        )


def collate_documents(documents, word_group_ratio=WORD_GROUP_RATIO):
    """Pad a batch of documents into a :class:`DocumentBatch`.

    Empty sentences and paragraphs are dropped; an empty document keeps its row.

    Parameters
    ----------
    documents : TokenizedDocuments
        The batch.
    word_group_ratio : float > 1 or None, default=WORD_GROUP_RATIO
        How sentences are grouped by length for the word encoder (see
        :func:`length_groups`); None encodes them all in one grid.

    Returns
    -------
    DocumentBatch

    Examples
    --------
    >>> vocabulary = {"a": 2, "b": 3, "c": 4, "d": 5}
    >>> docs = TokenizedDocuments.from_nested([[[[2, 3], [4]]], [[[5]], [[2]]]], vocabulary)
    >>> batch = collate_documents(docs)
    >>> batch.words.tolist()
    [[2, 3], [4, 0], [5, 0], [2, 0]]
    >>> batch.paragraph_index.tolist()
    [[1, 0], [2, 3]]
    """
    sentence_lengths = np.diff(documents.sentence_offsets)
    paragraph_of_sentence = np.repeat(
        np.arange(len(documents.paragraph_offsets) - 1), np.diff(documents.paragraph_offsets)
    )
    document_of_paragraph = np.repeat(np.arange(len(documents)), documents.n_paragraphs)
    kept = sentence_lengths > 0
    sentences_per_paragraph = np.bincount(
        paragraph_of_sentence[kept], minlength=len(document_of_paragraph)
    )
    kept_paragraphs = sentences_per_paragraph > 0
    sentences_per_paragraph = sentences_per_paragraph[kept_paragraphs]
    paragraphs_per_document = np.bincount(
        document_of_paragraph[kept_paragraphs], minlength=len(documents)
    )
    sentence_lengths = sentence_lengths[kept]
    n_sentences, n_paragraphs = len(sentence_lengths), len(sentences_per_paragraph)

    words = _index_matrix(sentence_lengths, documents.word_ids)
    word_rows, word_columns = _padded_positions(sentence_lengths)
    sentence_rows, sentence_columns = _padded_positions(sentences_per_paragraph)
    sentence_index = _index_matrix(sentences_per_paragraph, np.arange(1, n_sentences + 1))
    paragraph_index = _index_matrix(paragraphs_per_document, np.arange(1, n_paragraphs + 1))

    document_of_sentence = np.repeat(
        np.repeat(np.arange(len(documents)), paragraphs_per_document), sentences_per_paragraph
    )
    document_sentence_index = _index_matrix(
        np.bincount(document_of_sentence, minlength=len(documents)),
        sentence_rows * sentence_index.shape[1] + sentence_columns + 1,
    )
    groups = length_groups(sentence_lengths, word_group_ratio)
    grouped_rows = np.concatenate([rows for rows, _ in groups] or [np.zeros(0, np.int64)])
    grouped_position = np.empty(n_sentences, dtype=np.int64)
    grouped_position[grouped_rows] = np.arange(n_sentences)
    # flattened, the group grids give each sentence (in grouped order) its group's width
    grouped_widths = np.repeat([width for _, width in groups], [len(rows) for rows, _ in groups])
    first_word = offsets_from_lengths(grouped_widths)[:-1][grouped_position]
    document_word_index = _index_matrix(
        np.bincount(np.repeat(document_of_sentence, sentence_lengths), minlength=len(documents)),
        first_word[word_rows] + word_columns + 1,
    )
    word_groups = [
        (torch.from_numpy(rows), torch.from_numpy(sentence_lengths[rows].astype(np.int64)), width)
        for rows, width in groups
    ]
    return DocumentBatch(
        word_groups,
        grouped_position=torch.from_numpy(grouped_position),
        words=torch.from_numpy(words),
        sentence_index=torch.from_numpy(sentence_index),
        paragraph_index=torch.from_numpy(paragraph_index),
        document_sentence_index=torch.from_numpy(document_sentence_index),
        document_word_index=torch.from_numpy(document_word_index),
        sentence_documents=torch.from_numpy(document_of_sentence.astype(np.int64)),
        paragraph_lengths=torch.from_numpy(sentences_per_paragraph.astype(np.int64)),
        document_lengths=torch.from_numpy(paragraphs_per_document.astype(np.int64)),
    )


def collate_batch(batch, word_group_ratio=WORD_GROUP_RATIO):
    """Collate ``(documents, labels)`` from :class:`DocumentDataset` into tensors.

    Parameters
    ----------
    batch : tuple
        ``(TokenizedDocuments, labels)``: labels are an ndarray, None, or a
        pair of ndarrays ``(labels, sample weights)``.
    word_group_ratio : float > 1 or None, default=WORD_GROUP_RATIO
        Passed to :func:`collate_documents`.

    Returns
    -------
    (DocumentBatch, Tensor, tuple of Tensor or None)
    """
    documents, labels = batch
    if not isinstance(documents, TokenizedDocuments):
        raise TypeError(f"expected TokenizedDocuments, got {type(documents).__name__}.")
    batch = collate_documents(documents, word_group_ratio)
    if isinstance(labels, tuple):
        return batch, tuple(torch.as_tensor(part) for part in labels)
    return batch, None if labels is None else torch.as_tensor(labels)


# DataLoader keywords that would replace the length bucketing and the collate
REPLACED_LOADER_KEYWORDS = ("sampler", "batch_sampler", "collate_fn", "drop_last")


def check_loader_keywords(loader_kwargs, *, training, prefix):
    """Refuse the DataLoader keywords that would replace the length bucketing or the order.

    Parameters
    ----------
    loader_kwargs : dict
        Keywords of a data loader, e.g. from ``iterator_train__*`` parameters.
    training : bool
        Whether the loader is for training; other loaders must keep the order.
    prefix : str
        The parameter prefix the keywords came with, for the message.

    Examples
    --------
    >>> check_loader_keywords({"num_workers": 0}, training=True, prefix="iterator_train")
    >>> check_loader_keywords({"sampler": None}, training=True, prefix="iterator_train")
    Traceback (most recent call last):
    ...
    ValueError: Batches group documents of similar size in the given order, which \
iterator_train__sampler would change; remove it. batch_size and max_batch_words shape the batches.
    """
    refused = sorted(set(loader_kwargs) & set(REPLACED_LOADER_KEYWORDS))
    if not training and loader_kwargs.get("shuffle"):
        refused.append("shuffle")
    if refused:
        names = ", ".join(f"{prefix}__{key}" for key in refused)
        raise ValueError(
            f"Batches group documents of similar size in the given order, which {names} "
            "would change; remove it. batch_size and max_batch_words shape the batches."
        )


def document_loader(
    dataset, loader, loader_kwargs, *, batch_size, max_words, training, word_group_ratio, prefix
):
    """A data loader of :class:`DocumentBatch` es over a DocumentDataset (or a Subset of one).

    Parameters
    ----------
    dataset : DocumentDataset or torch.utils.data.Subset
        The documents.
    loader : class
        A ``torch.utils.data.DataLoader`` or a subclass.
    loader_kwargs : dict
        Its other keywords. ``batch_size`` and ``shuffle`` are read here;
        :func:`check_loader_keywords` refuses those that would replace the
        length bucketing or the order.
    batch_size, max_words : int or None
        Passed to :class:`BucketBatchSampler`.
    training : bool
        Shuffled, bucketed batches (unless ``shuffle=False``) or the given order.
    word_group_ratio : float or None
        Passed to :func:`collate_documents`.
    prefix : str
        The parameter prefix the keywords came with, for the message.

    Returns
    -------
    loader instance

    Examples
    --------
    >>> from torch.utils.data import DataLoader
    >>> docs = TokenizedDocuments.from_nested([[[[2]]], [[[2, 2]]], [[[2]]]], {"a": 2})
    >>> batches = document_loader(
    ...     DocumentDataset(docs), DataLoader, {}, batch_size=2, max_words=None,
    ...     training=False, word_group_ratio=None, prefix="iterator_valid",
    ... )
    >>> [len(batch) for batch, _ in batches]
    [2, 1]
    """
    check_loader_keywords(loader_kwargs, training=training, prefix=prefix)
    kwargs = dict(loader_kwargs)
    sampler = BucketBatchSampler(
        document_sizes(dataset),
        kwargs.pop("batch_size", batch_size),
        shuffle=kwargs.pop("shuffle", training),
        max_words=max_words,
    )
    collate = partial(collate_batch, word_group_ratio=word_group_ratio)
    return loader(dataset, batch_sampler=sampler, collate_fn=collate, **kwargs)
