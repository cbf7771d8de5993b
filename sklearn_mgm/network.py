"""MultiGranularityNetwork: a hierarchical attention network that fuses granularities.

Words are embedded and encoded per sentence; attention pools them into sentence
vectors, which are encoded per paragraph and pooled into paragraph vectors,
which are encoded per document and pooled into a document vector. Each
granularity named in ``granularities`` contributes one document vector
(attention over all of the document's word, sentence or paragraph states);
they are concatenated before the output layer.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

GRANULARITIES = ("word", "sentence", "paragraph")
RECURRENT_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


class AttentionPool(nn.Module):
    """Attention pooling: u = tanh(W h + b), α = softmax(u·c), output Σ α h per head.

    Masked items get weight 0; a row with no item at all pools to zeros.

    Parameters
    ----------
    input_size : int
        Size of each item vector.
    heads : int, default=1
        Number of context vectors; their outputs are concatenated.
    """

    def __init__(self, input_size, heads=1):
        super().__init__()
        self.projection = nn.Linear(input_size, input_size)
        self.context = nn.Parameter(torch.empty(heads, input_size))
        self.output_size = heads * input_size

    def forward(self, items, mask):
        scores = torch.tanh(self.projection(items)) @ self.context.T  # (N, L, K)
        scores = scores.masked_fill(~mask[..., None], torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=1) * mask[..., None]  # (N, L, K)
        pooled = torch.einsum("nlk,nld->nkd", weights.to(items.dtype), items)  # (N, K, D)
        return pooled.flatten(1), weights  # (N, K * D), (N, L, K)


class SequenceEncoder(nn.Module):
    """Bidirectional GRU or LSTM over right-padded sequences; padding is never read.

    Rows are packed by length (:func:`torch.nn.utils.rnn.pack_padded_sequence`),
    so each direction reads exactly a row's items; outputs at padded positions
    are zeros. A row without items reads one padding item and must be masked
    by its reader.

    Parameters
    ----------
    input_size : int
        Size of each input vector.
    hidden_size : int
        Hidden size per direction; outputs have ``2 * hidden_size`` features.
    rnn : {"gru", "lstm"}, default="gru"
        Recurrent cell.

    Examples
    --------
    >>> encoder = SequenceEncoder(input_size=4, hidden_size=3)
    >>> encoder(torch.ones(2, 5, 4), torch.tensor([5, 2])).shape
    torch.Size([2, 5, 6])
    """

    def __init__(self, input_size, hidden_size, rnn="gru"):
        super().__init__()
        self.rnn = RECURRENT_CELLS[rnn](
            input_size, hidden_size, batch_first=True, bidirectional=True
        )
        self.output_size = 2 * hidden_size

    def forward(self, inputs, lengths):
        """Encode ``inputs`` (N, L, D) whose rows hold ``lengths`` (N,) items (a CPU tensor)."""
        n, length = inputs.shape[:2]
        if n == 0 or length == 0:
            return inputs.new_zeros(n, length, self.output_size)
        packed = pack_padded_sequence(
            inputs, lengths.clamp(min=1), batch_first=True, enforce_sorted=False
        )
        states, _ = self.rnn(packed)
        states, _ = pad_packed_sequence(states, batch_first=True, total_length=length)
        return states  # (N, L, 2H)


def gather_rows(items, index):
    """Lay ``items`` out by a 1-based index matrix (0 = padding).

    Padding positions receive an arbitrary row: every reader masks them.

    Parameters
    ----------
    items : Tensor of shape (N, D)
    index : LongTensor of shape (R, L)

    Returns
    -------
    Tensor of shape (R, L, D)
    """
    if items.shape[0] == 0:
        return items.new_zeros(*index.shape, items.shape[1])
    return items[(index - 1).clamp(min=0)]


def _init_weights(module):
    if isinstance(module, nn.Linear):
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
    granularities : tuple of str, default=("word", "sentence", "paragraph")
        Document views fused before the output layer: attention over all of a
        document's word states, sentence states or paragraph states.
    attention_heads : int, default=1
        Context vectors per attention pool; their outputs are concatenated.
    dropout : float, default=0.2
        Dropout on the word embeddings and on the fused document vector.

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
        granularities=GRANULARITIES,
        attention_heads=1,
        dropout=0.2,
    ):
        super().__init__()
        unknown = set(granularities) - set(GRANULARITIES)
        if not granularities or unknown:
            raise ValueError(
                f"granularities must be a non-empty subset of {GRANULARITIES}; got {granularities}."
            )
        self.granularities = tuple(granularities)
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
        self.word_encoder = SequenceEncoder(embedding_dim, hidden_size, rnn)
        states = self.word_encoder.output_size
        if "word" in granularities:
            self.document_word_attention = AttentionPool(states, attention_heads)
        if self._needs_sentences:
            self.word_attention = AttentionPool(states, attention_heads)
            self.sentence_encoder = SequenceEncoder(states * attention_heads, hidden_size, rnn)
        if "sentence" in granularities:
            self.document_sentence_attention = AttentionPool(states, attention_heads)
        if "paragraph" in granularities:
            self.sentence_attention = AttentionPool(states, attention_heads)
            self.paragraph_encoder = SequenceEncoder(states * attention_heads, hidden_size, rnn)
            self.paragraph_attention = AttentionPool(states, attention_heads)
        self._heads = attention_heads
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(len(self.granularities) * states * attention_heads, n_classes)
        self.apply(_init_weights)

    @property
    def _needs_sentences(self):
        return "sentence" in self.granularities or "paragraph" in self.granularities

    def forward(self, batch, return_attention=False):
        """Logits of each document, and optionally the attention weights of every level.

        ``batch`` is a :class:`~sklearn_mgm.batching.DocumentBatch`. With
        ``return_attention``, also returns a dict of weights of shape
        (rows, items, heads): ``"word"`` (words of each sentence),
        ``"sentence"`` (sentences of each paragraph), ``"paragraph"``
        (paragraphs of each document), ``"document_word"`` and
        ``"document_sentence"`` (all words or sentences of each document),
        for the levels the granularities use.
        """
        sentence_index, paragraph_index = batch.sentence_index, batch.paragraph_index
        attention = {}
        views = {}
        word_states, sentences, word_weights = self._encode_words(batch, return_attention)
        if "word" in self.granularities:
            document_words = gather_rows(word_states, batch.document_word_index)
            views["word"], attention["document_word"] = self.document_word_attention(
                document_words, batch.document_word_index > 0
            )  # (B, K*2H)
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
        fused = torch.cat([views[name] for name in self.granularities], dim=1)
        logits = self.output(self.dropout(fused))  # (B, n_classes)
        return (logits, attention) if return_attention else logits

    def _encode_words(self, batch, return_attention):
        """Encode each group of similar-length sentences on its own padded grid.

        Returns the word states of the groups flattened end to end (for the
        document-level word view), the pooled sentence vectors in sentence
        order and, with ``return_attention``, the word weights as a
        (sentences, longest sentence, heads) grid in sentence order.
        """
        states, sentences, weights = [], [], []
        for rows, lengths, width in batch.word_groups:
            words = batch.words[rows, :width]  # (G, W)
            encoded = self.word_encoder(self.dropout(self.embedding(words)), lengths)  # (G, W, 2H)
            if "word" in self.granularities:
                states.append(encoded.flatten(0, 1))  # (G*W, 2H)
            if self._needs_sentences:
                pooled, group_weights = self.word_attention(encoded, words > 0)  # (G, K*2H)
                sentences.append(pooled)
                if return_attention:
                    padding = batch.words.shape[1] - width
                    weights.append(nn.functional.pad(group_weights, (0, 0, 0, padding)))
        zeros = self.embedding.weight.new_zeros  # for a batch without a single word
        size = self.word_encoder.output_size
        position = batch.grouped_position
        word_states = torch.cat(states) if states else zeros(0, size)  # (sum G*W, 2H)
        sentences = torch.cat(sentences)[position] if sentences else zeros(0, self._heads * size)
        weights = (
            torch.cat(weights)[position] if weights else zeros(0, batch.words.shape[1], self._heads)
        )  # (S, Wmax, K)
        return word_states, sentences, weights
