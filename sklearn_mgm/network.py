"""MultiGranularityNetwork: a hierarchical attention network that fuses granularities.

Words are embedded and encoded per sentence; attention pools them into sentence
vectors, which are encoded per paragraph and pooled into paragraph vectors,
which are encoded per document and pooled into a document vector. Each
granularity named in ``granularities`` contributes one document vector
(attention over all of the document's word, sentence or paragraph states);
they are concatenated before the output layer.

Two choices make the paragraph level learn. Each pool puts the item-wise
maximum beside its attention heads, and each encoder adds a linear map of its
input to its output. On a corpus whose label is whether two cue words share a
paragraph (``make_hierarchical_documents(level="paragraph")``), attention
alone stays at chance: a sentence vector, an attention average of its words,
keeps too little of "this sentence holds the cue" for the levels above to
learn from before the network has memorised the training set. With both, the
default pipeline learns it from 400 documents, with GRU or LSTM cells, one or
four heads, early stopping or frozen random embeddings (those on 19 seeds of
20 at the paragraph level; ``benchmarks/structure.py``, and the probes of
``benchmarks/structure_probes.py`` show what each level keeps).
"""

import copy
import numbers
from functools import partial

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from .bag import BagOfNgrams
from .documents import PAD_ID, UNKNOWN_ID
from .encoders import ENCODERS, RECURRENT_CELLS, SelfAttentionEncoder, SequenceEncoder
from .granularities import VIEWS, check_granularities
from .pooling import AttentionPool, gather_rows

POOLINGS = ("attention", "attention+max")

# scikit-learn constraints of the network's parameters, as estimators declare them
NETWORK_PARAMETER_CONSTRAINTS = {
    "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
    "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "rnn": [StrOptions(set(RECURRENT_CELLS))],
    "granularities": [tuple, list, str],
    "attention_heads": [Interval(numbers.Integral, 1, None, closed="left")],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "sparse_bag": ["boolean"],
}


def check_encoders(encoder):
    """The encoder of each level (word, sentence, paragraph); raise if one is unknown.

    Parameters
    ----------
    encoder : str or tuple of three str
        One of ``ENCODERS`` for every level, or one per level.

    Returns
    -------
    tuple of three str

    Raises
    ------
    ValueError
        If ``encoder`` is neither a known name nor three of them.

    Examples
    --------
    >>> check_encoders("recurrent")
    ('recurrent', 'recurrent', 'recurrent')
    >>> check_encoders(("self-attention", "recurrent", "recurrent"))
    ('self-attention', 'recurrent', 'recurrent')
    """
    if isinstance(encoder, str):
        levels = (encoder,) * 3
    else:
        try:
            levels = tuple(encoder)
        except TypeError:
            levels = ()
    if len(levels) != 3 or not all(isinstance(kind, str) and kind in ENCODERS for kind in levels):
        raise ValueError(
            f"encoder must be one of {ENCODERS}, or a tuple of three of them "
            f"(word, sentence and paragraph encoders); got {encoder!r}."
        )
    return levels


def _init_weights(module):
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)) and module.padding_idx is None:
        nn.init.normal_(module.weight, std=0.1)
    elif isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.1)
        with torch.no_grad():
            module.weight[module.padding_idx].zero_()
    elif isinstance(module, AttentionPool):
        nn.init.normal_(module.context, std=0.1)
    elif isinstance(module, (nn.GRU, nn.LSTM)):
        for name, parameter in module.named_parameters():
            if name.startswith("weight_hh"):
                nn.init.orthogonal_(parameter)
            elif name.startswith("weight_ih"):
                nn.init.xavier_uniform_(parameter)
            else:
                nn.init.zeros_(parameter)


class MultiGranularityNetwork(nn.Module):
    """Hierarchical attention network over words, sentences and paragraphs.

    Parameters
    ----------
    vocabulary_size : int
        Number of word ids (id 0 is padding and embeds to zeros).
    n_classes : int
        Number of output logits.
    embedding_dim : int, default=64
        Size of the word embeddings.
    hidden_size : int, default=32
        Hidden size per direction of each bidirectional encoder.
    rnn : {"gru", "lstm"}, default="gru"
        Recurrent cell of the encoders.
    granularities : tuple of str, default=("bag", "word", "sentence", "paragraph")
        Document views fused before the output layer: ``"bag"``, the
        TF-IDF-weighted bag of words (and hashed bigrams,
        :class:`~sklearn_mgm.bag.BagOfNgrams`), and attention over all of a
        document's word states, sentence states or paragraph states.
    attention_heads : int, default=1
        Context vectors per attention pool; their outputs are concatenated.
    dropout : float, default=0.1
        Dropout on the word embeddings (one mask per distinct word of a
        batch, shared by its occurrences) and on the fused document vector.
    pooling : {"attention", "attention+max"}, default="attention+max"
        How each level pools its items: attention alone, or attention beside
        the item-wise maximum (see :class:`~sklearn_mgm.pooling.AttentionPool`). With attention
        alone, the paragraph level does not learn (see the module docstring).
    residual : bool, default=True
        Give every recurrent encoder a linear skip connection (see
        :class:`~sklearn_mgm.encoders.SequenceEncoder`).
    bigram_buckets : int, default=0
        Hash buckets for the bag view's n-grams; 0 keeps it to words.
    bag_ngrams : int, default=2
        Longest run of consecutive words the bag view hashes into
        ``bigram_buckets`` (2: bigrams; 3 or 4 with characters as words give
        character n-grams).
    bag_size : int or None, default=None
        Size of the bag view; None: that of the other views' document vectors.
    sparse_bag : bool, default=False
        Give the bag view's table sparse gradients (see
        :class:`~sklearn_mgm.bag.BagOfNgrams`); torch's dense optimizers
        then refuse it, :class:`~sklearn_mgm.sparse_adam.LazyAdam` trains it.
    view_dropout : float in [0, 1), default=0.0
        In training, the probability of dropping a whole view of a document
        (one view is always kept, the kept ones scaled up), so that no view
        leans on the others.
    view_loss : float, default=0.0
        Weight, in training, of the views' own losses: with it above 0, each
        view has an output layer of its own, and
        ``forward(batch, return_view_logits=True)`` returns their logits
        beside the fused ones, for the loss to add the mean of the views'
        losses times this weight. The fused output stays the prediction.
    word_dropout : float in [0, 1), default=0.0
        In training, the probability of reading a known word as the unknown
        word: every view then loses it (the bag drops it, the encoders see
        the unknown word's embedding in its place), so that no prediction
        rests on a few memorised words.
    encoder : {"recurrent", "self-attention"} or tuple of three, default="recurrent"
        The encoder of every level, or of the word, sentence and paragraph
        levels in turn: a bidirectional ``rnn``
        (:class:`~sklearn_mgm.encoders.SequenceEncoder`), or one Transformer
        encoder layer (:class:`~sklearn_mgm.encoders.SelfAttentionEncoder`,
        to which ``rnn`` and ``residual`` do not apply).

    Examples
    --------
    >>> from sklearn_mgm import TokenizedDocuments
    >>> from sklearn_mgm.batching import collate_documents
    >>> vocabulary = {"a": 2, "b": 3, "c": 4, "d": 5}
    >>> docs = TokenizedDocuments.from_nested([[[[2, 3], [4]]], [[[5]]]], vocabulary)
    >>> net = MultiGranularityNetwork(vocabulary_size=6, n_classes=3)
    >>> net(collate_documents(docs)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        vocabulary_size,
        n_classes,
        embedding_dim=64,
        hidden_size=32,
        rnn="gru",
        granularities=VIEWS,
        attention_heads=1,
        dropout=0.1,
        pooling="attention+max",
        residual=True,
        bigram_buckets=0,
        bag_ngrams=2,
        bag_size=None,
        sparse_bag=False,
        view_dropout=0.0,
        view_loss=0.0,
        word_dropout=0.0,
        encoder="recurrent",
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}; got {pooling!r}.")
        if not 0 <= view_dropout < 1:
            raise ValueError(f"view_dropout must be in [0, 1); got {view_dropout!r}.")
        if not 0 <= word_dropout < 1:
            raise ValueError(f"word_dropout must be in [0, 1); got {word_dropout!r}.")
        if not view_loss >= 0:
            raise ValueError(f"view_loss must be 0 or more; got {view_loss!r}.")
        if bigram_buckets < 0:
            raise ValueError(f"bigram_buckets must be 0 or more; got {bigram_buckets!r}.")
        if not (isinstance(bag_ngrams, numbers.Integral) and bag_ngrams >= 2):
            raise ValueError(f"bag_ngrams must be an int of 2 or more; got {bag_ngrams!r}.")
        self.granularities = check_granularities(granularities)
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=PAD_ID)
        encoders = {
            "recurrent": partial(
                SequenceEncoder, hidden_size=hidden_size, rnn=rnn, residual=residual
            ),
            "self-attention": partial(SelfAttentionEncoder, hidden_size=hidden_size),
        }
        word_kind, sentence_kind, paragraph_kind = check_encoders(encoder)
        pool = partial(AttentionPool, heads=attention_heads, max_pool=pooling == "attention+max")
        self.word_encoder = encoders[word_kind](embedding_dim)
        states = self.word_encoder.output_size
        views = {}  # the pool that makes each granularity's document vector
        if "word" in granularities:
            # with a sentence level, the words' keys are the word pool's: projected once
            shared_keys = self._needs_sentences
            self.document_word_attention = views["word"] = pool(states, project=not shared_keys)
        if self._needs_sentences:
            self.word_attention = pool(states)
            self.sentence_encoder = encoders[sentence_kind](self.word_attention.output_size)
        if "sentence" in granularities:
            self.document_sentence_attention = views["sentence"] = pool(states)
        if "bag" in self.granularities:
            size = bag_size or states * (attention_heads + (pooling == "attention+max"))
            self.bag = views["bag"] = BagOfNgrams(
                vocabulary_size, size, bigram_buckets, sparse=sparse_bag, ngrams=bag_ngrams
            )
        if "paragraph" in granularities:
            self.sentence_attention = pool(states)
            self.paragraph_encoder = encoders[paragraph_kind](self.sentence_attention.output_size)
            self.paragraph_attention = views["paragraph"] = pool(states)
        self.dropout = nn.Dropout(dropout)
        self.view_dropout = view_dropout
        self.word_dropout = word_dropout
        fused = sum(views[name].output_size for name in self.granularities)
        self.output = nn.Linear(fused, n_classes)
        self.view_loss = view_loss
        if view_loss:
            self.view_outputs = nn.ModuleDict(
                {name: nn.Linear(views[name].output_size, n_classes) for name in self.granularities}
            )
        self.apply(_init_weights)

    @property
    def _needs_sentences(self):
        return "sentence" in self.granularities or "paragraph" in self.granularities

    def forward(self, batch, return_attention=False, return_view_logits=False):
        """Logits of each document, and optionally the attention weights of every level.

        ``batch`` is a :class:`~sklearn_mgm.batching.DocumentBatch`. With
        ``return_attention``, also returns a dict of weights of shape
        (rows, items, heads): ``"word"`` (words of each sentence),
        ``"sentence"`` (sentences of each paragraph), ``"paragraph"``
        (paragraphs of each document), ``"document_word"`` and
        ``"document_sentence"`` (all words or sentences of each document),
        for the levels the granularities use, and for the bag view ``"bag"``:
        each word's share of the view's TF-IDF weights (see
        :meth:`~sklearn_mgm.bag.BagOfNgrams.forward`), laid out like ``"word"``.
        With ``return_view_logits`` (and ``view_loss`` above 0), returns
        ``(logits, view_logits)`` instead, the second a list of each view's
        own logits, in the order of ``granularities``.
        """
        batch = self._drop_words(batch)
        views, attention = {}, {}
        if "bag" in self.granularities and return_attention:
            views["bag"], shares = self.bag(batch, return_shares=True)  # (B, D), (S, W)
            attention["bag"] = shares[..., None]
        elif "bag" in self.granularities:
            views["bag"] = self.bag(batch)
        if set(self.granularities) - {"bag"}:
            self._hierarchical_views(batch, return_attention, views, attention)
        ordered = [views[name] for name in self.granularities]
        fused = torch.cat(self._drop_views(ordered), dim=1)
        logits = self.output(self.dropout(fused))  # (B, n_classes)
        if return_view_logits and self.view_loss:
            heads = self.view_outputs.values()
            return logits, [head(self.dropout(view)) for head, view in zip(heads, ordered)]
        return (logits, attention) if return_attention else logits

    def _drop_words(self, batch):
        """In training, a copy of ``batch`` with known words made unknown at ``word_dropout``."""
        if not self.training or not self.word_dropout:
            return batch
        words = batch.words
        dropped = (words > UNKNOWN_ID) & (
            torch.rand(words.shape, device=words.device) < self.word_dropout
        )
        batch = copy.copy(batch)  # the caller's batch stays as it was
        batch.words = words.masked_fill(dropped, UNKNOWN_ID)
        return batch

    def _drop_views(self, views):
        """In training, zero each view of a document with probability ``view_dropout``.

        A document keeps at least one view, and the kept ones are scaled by
        views / kept, so every view has to predict on its own now and then.
        """
        if not self.training or not self.view_dropout or len(views) == 1:
            return views
        n = views[0].shape[0]
        kept = torch.rand(n, len(views), device=views[0].device) >= self.view_dropout
        kept[~kept.any(dim=1)] = True
        scale = len(views) / kept.sum(dim=1, keepdim=True)  # (B, 1)
        return [view * (kept[:, [i]] * scale).to(view.dtype) for i, view in enumerate(views)]

    def _hierarchical_views(self, batch, return_attention, views, attention):
        """Add the word, sentence and paragraph views (and their weights) to the dicts."""
        sentence_index, paragraph_index = batch.sentence_index, batch.paragraph_index
        grids, masks, keys, sentences, word_weights = self._encode_words(batch, return_attention)
        if "word" in self.granularities:
            # documents differ much in length: pool their words sentence by
            # sentence on the groups' grids, then combine each document's sentences
            groups = [rows for rows, _, _ in batch.word_groups]
            part_rows = batch.sentence_documents[torch.cat(groups) if groups else slice(0)]
            views["word"], weights = self.document_word_attention.pool_parts(
                grids,
                masks,
                part_rows,
                len(batch),
                self._sentence_maxima(batch, sentences),
                return_weights=return_attention,
                keys=keys,
            )  # (B, K*2H)
            if return_attention:
                attention["document_word"] = self._document_word_weights(batch, weights)
        if return_attention and self._needs_sentences:
            attention["word"] = word_weights
        if self._needs_sentences:
            sentence_mask = sentence_index > 0  # (P, Smax)
            sentence_states = self.sentence_encoder(
                gather_rows(sentences, sentence_index), batch.paragraph_lengths
            )  # (P, Smax, 2H)
        if "sentence" in self.granularities:
            document_sentences = gather_rows(
                sentence_states.flatten(0, 1), batch.document_sentence_index
            )
            views["sentence"], attention["document_sentence"] = self.document_sentence_attention(
                document_sentences, batch.document_sentence_index > 0
            )  # (B, K*2H)
        if "paragraph" in self.granularities:
            paragraphs, attention["sentence"] = self.sentence_attention(
                sentence_states, sentence_mask
            )  # (P, K*2H)
            paragraph_mask = paragraph_index > 0  # (B, Pmax)
            paragraph_states = self.paragraph_encoder(
                gather_rows(paragraphs, paragraph_index), batch.document_lengths
            )  # (B, Pmax, 2H)
            views["paragraph"], attention["paragraph"] = self.paragraph_attention(
                paragraph_states, paragraph_mask
            )  # (B, K*2H)

    def _document_word_weights(self, batch, weights):
        """Per-group word weights laid out by ``document_word_index``: (B, Wdoc, K)."""
        heads = self.document_word_attention.context.shape[0]
        flat = (
            torch.cat([group.flatten(0, 1) for group in weights])
            if weights
            else self.embedding.weight.new_zeros(1, heads)
        )  # (ΣG*W, K), the groups laid end to end
        index = batch.document_word_index
        return flat[(index - 1).clamp(min=0)] * (index > 0)[..., None]

    def _sentence_maxima(self, batch, sentences):
        """Each sentence's maximum word state and its document, where the sentence pool has them.

        A document's maximum over its words is the maximum over its sentences'
        maxima, which the word pool of each sentence computes anyway: a few
        rows a document instead of every word.
        """
        if not self._needs_sentences or not self.word_attention.max_pool:
            return None  # pool_parts takes the maximum over the words themselves
        size = self.word_encoder.output_size
        return sentences[:, -size:], batch.sentence_documents  # (S, 2H), (S,)

    def _word_grids(self, batch):
        """Word states and word ids of each group of ``batch.word_groups``, (G, W, 2H) and (G, W).

        Each distinct word of the batch is embedded (and dropped out) once,
        so all its occurrences in the batch share one dropout mask; an
        encoder that reads sequences laid end to end (a GRU on the CPU) then
        projects each distinct word once and reads every group in one pass.
        Other encoders read one group at a time.
        """
        word_ids = [batch.words[rows, :width] for rows, _, width in batch.word_groups]
        if not word_ids:
            return [], []
        sizes = [words.numel() for words in word_ids]
        flat_ids = torch.cat([words.flatten() for words in word_ids])  # (ΣG*W,)
        distinct, occurrences = torch.unique(flat_ids, return_inverse=True)
        table = self.dropout(self.embedding(distinct))  # (U, D)
        if not self.word_encoder.reads_flat(batch.words.device):
            return (
                [
                    self.word_encoder(table[rows].view(*words.shape, -1), lengths)
                    for rows, words, (_, lengths, _) in zip(
                        occurrences.split(sizes), word_ids, batch.word_groups
                    )
                ],
                word_ids,
            )
        offsets = np.cumsum(sizes) - sizes
        starts = np.concatenate(
            [
                offset + np.arange(len(words)) * words.shape[1]
                for offset, words in zip(offsets, word_ids)
            ]
        )  # first position of each sentence in the groups laid end to end
        lengths = np.concatenate([lengths.numpy() for _, lengths, _ in batch.word_groups])
        flat = self.word_encoder.encode_flat(
            table, starts, lengths, flat_ids != PAD_ID, item_rows=occurrences
        )  # (ΣG*W, 2H)
        grids = [grid.view(*words.shape, -1) for grid, words in zip(flat.split(sizes), word_ids)]
        return grids, word_ids

    def _encode_words(self, batch, return_attention):
        """Encode the words, and pool each group of similar-length sentences on its grid.

        Returns the word states of each group, (G, W, 2H), and where they hold
        a word, (G, W); the keys the word pool scores, (G, W, 2H) per group
        (None without a sentence level); the pooled sentence vectors in
        sentence order and, with ``return_attention``, the word weights as a
        (sentences, longest sentence, heads) grid in sentence order.
        """
        grids, word_ids = self._word_grids(batch)
        masks = [words != PAD_ID for words in word_ids]
        keys, sentences, weights = None, [], []
        if self._needs_sentences:
            keys = [self.word_attention.keys(encoded) for encoded in grids]
            for encoded, words, mask, group_keys in zip(grids, word_ids, masks, keys):
                pooled, group_weights = self.word_attention(encoded, mask, group_keys)
                sentences.append(pooled)
                if return_attention:
                    padding = batch.words.shape[1] - words.shape[1]
                    weights.append(nn.functional.pad(group_weights, (0, 0, 0, padding)))
        zeros = self.embedding.weight.new_zeros  # for a batch without a single word
        if self._needs_sentences:
            pool = self.word_attention
            sentences = (
                batch.in_sentence_order(sentences) if sentences else zeros(0, pool.output_size)
            )
            heads = pool.context.shape[0]
            weights = (
                batch.in_sentence_order(weights)
                if weights
                else zeros(0, batch.words.shape[1], heads)
            )  # (S, Wmax, K)
        else:
            sentences = weights = None
        return grids, masks, keys, sentences, weights
