"""Sequence encoders of the network's levels: recurrent, or self-attention.

Each encoder reads right-padded sequences of item vectors with their lengths
and returns one state of ``output_size`` features per item, zeros at padded
positions. :class:`SequenceEncoder` is a bidirectional GRU or LSTM;
:class:`SelfAttentionEncoder` is a Transformer encoder layer, whose cost is
a few large matrix products rather than one step per item (though about
twice the GRU's multiply-adds per item at the same width).
"""

import math
from functools import lru_cache

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .recurrence import bidirectional_gru

RECURRENT_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}
ENCODERS = ("recurrent", "self-attention")


def _padding_mask(lengths, length, device):
    """(N, L) booleans, True where a position holds an item."""
    return torch.arange(length, device=device) < lengths.to(device)[:, None]


class SequenceEncoder(nn.Module):
    """Bidirectional GRU or LSTM over right-padded sequences; padding is never read.

    Each direction reads exactly a row's items; outputs at padded positions
    are zeros. A GRU on the CPU runs
    :func:`~sklearn_mgm.recurrence.bidirectional_gru` (every row at once,
    rows without items get zeros); otherwise rows are packed by length
    (:func:`torch.nn.utils.rnn.pack_padded_sequence`) for ``nn.GRU`` or
    ``nn.LSTM``, and a row without items reads one padding item. Either way
    a reader must mask rows without items.

    Parameters
    ----------
    input_size : int
        Size of each input vector.
    hidden_size : int
        Hidden size per direction; outputs have ``2 * hidden_size`` features.
    rnn : {"gru", "lstm"}, default="gru"
        Recurrent cell.
    residual : bool, default=False
        Add a linear map of each input to its output: the item itself reaches
        the next level whatever its context, besides what the cell makes of it.

    Examples
    --------
    >>> encoder = SequenceEncoder(input_size=4, hidden_size=3)
    >>> encoder(torch.ones(2, 5, 4), torch.tensor([5, 2])).shape
    torch.Size([2, 5, 6])
    """

    def __init__(self, input_size, hidden_size, rnn="gru", residual=False):
        super().__init__()
        self.rnn = RECURRENT_CELLS[rnn](
            input_size, hidden_size, batch_first=True, bidirectional=True
        )
        self.output_size = 2 * hidden_size
        self.skip = nn.Linear(input_size, self.output_size) if residual else None

    def reads_flat(self, device):
        """Whether :meth:`encode_flat` runs on ``device`` (a GRU on the CPU)."""
        return isinstance(self.rnn, nn.GRU) and torch.device(device).type == "cpu"

    def encode_flat(self, inputs, starts, lengths, mask, item_rows=None):
        """Encode sequences laid end to end; see :meth:`reads_flat`.

        Sequence ``k`` holds positions ``starts[k]`` to ``starts[k] +
        lengths[k] - 1`` (int arrays) of a flat layout of R positions, and
        ``mask`` (R,) is True on exactly those. Position ``p`` reads
        ``inputs[p]`` or, with ``item_rows`` (R,), ``inputs[item_rows[p]]``
        (a table of distinct items, each projected once). Returns (R, 2H)
        states, zeros at the other positions.
        """
        states = bidirectional_gru(self.rnn, inputs, starts, lengths, item_rows)  # (R, 2H)
        if self.skip is None:
            return states
        skipped = self.skip(inputs)
        if item_rows is None:
            return torch.addcmul(states, skipped, mask[:, None].to(states.dtype))
        # positions outside the sequences read a row of zeros below the table:
        # one gather of whole rows instead of a gather and a masking product
        rows = torch.where(mask, item_rows, len(skipped))
        table = torch.cat([skipped, skipped.new_zeros(1, skipped.shape[1])])
        return states.add_(table.index_select(0, rows))  # states: a fresh output of the GRU

    def forward(self, inputs, lengths):
        """Encode ``inputs`` (N, L, D) whose rows hold ``lengths`` (N,) items (a CPU tensor)."""
        n, length = inputs.shape[:2]
        if n == 0 or length == 0:
            return inputs.new_zeros(n, length, self.output_size)
        if self.reads_flat(inputs.device):
            mask = _padding_mask(lengths, length, inputs.device)  # (N, L)
            starts = np.arange(n) * length
            flat = self.encode_flat(inputs.flatten(0, 1), starts, lengths.numpy(), mask.flatten())
            return flat.view(n, length, self.output_size)
        packed = pack_padded_sequence(
            inputs, lengths.clamp(min=1), batch_first=True, enforce_sorted=False
        )
        states, _ = self.rnn(packed)
        states, _ = pad_packed_sequence(states, batch_first=True, total_length=length)
        if self.skip is None:
            return states  # (N, L, 2H)
        mask = _padding_mask(lengths, length, inputs.device)  # (N, L)
        return states + self.skip(inputs) * mask[..., None].to(states.dtype)  # (N, L, 2H)


@lru_cache(maxsize=256)
def sinusoid_positions(length, size):
    """Sinusoidal position vectors of Vaswani et al. (2017).

    The table is cached per ``(length, size)``: callers must not change it.

    Parameters
    ----------
    length : int
        Number of positions.
    size : int
        Features per position.

    Returns
    -------
    Tensor of shape (length, size)
        Row ``p`` holds ``sin`` and ``cos`` of ``p`` at geometric frequencies.

    Examples
    --------
    >>> sinusoid_positions(3, 4)[0]
    tensor([0., 1., 0., 1.])
    """
    positions = torch.arange(length, dtype=torch.float32)[:, None]
    frequencies = torch.exp(torch.arange(0, size, 2) * (-math.log(10000.0) / size))
    table = torch.zeros(length, size)
    table[:, 0::2] = torch.sin(positions * frequencies)
    table[:, 1::2] = torch.cos(positions * frequencies[: size // 2])
    return table


class SelfAttentionEncoder(nn.Module):
    """One Transformer encoder layer over right-padded sequences; padding is never read.

    A row without items reads one padding position (and gets zeros), as
    :class:`SequenceEncoder`'s does.

    Inputs are projected to ``2 * hidden_size`` features (the width of the
    recurrent encoder's states, so either encoder fits the same pools) and
    layer-normalised, then given sinusoidal positions and read by a pre-norm
    :class:`torch.nn.TransformerEncoderLayer` whose attention skips padded
    positions. The normalisation keeps positions and items at one scale: word
    embeddings start small (standard deviation 0.1), and positions added to
    them unnormalised drown them; on the sentence-level structure corpus of
    ``make_hierarchical_documents`` that network learnt one seed of three, this
    one all three. The layer's own residual connections carry each item to its
    state, as ``residual=True`` does for :class:`SequenceEncoder`.

    Parameters
    ----------
    input_size : int
        Size of each input vector.
    hidden_size : int
        Half the size of each output state.
    heads : int, default=2
        Attention heads of the layer; they must divide ``2 * hidden_size``.
    dropout : float, default=0.1
        Dropout inside the layer (on its attention weights, after its
        attention and feed-forward blocks), in training; the network's
        ``dropout`` acts on the embeddings and the fused vector, as for the
        recurrent encoder.

    Examples
    --------
    >>> encoder = SelfAttentionEncoder(input_size=4, hidden_size=3)
    >>> encoder(torch.ones(2, 5, 4), torch.tensor([5, 2])).shape
    torch.Size([2, 5, 6])
    """

    def __init__(self, input_size, hidden_size, heads=2, dropout=0.1):
        super().__init__()
        self.output_size = 2 * hidden_size
        if self.output_size % heads:
            raise ValueError(
                f"heads must divide 2 * hidden_size = {self.output_size}; got {heads!r}."
            )
        self.projection = nn.Linear(input_size, self.output_size)
        self.input_norm = nn.LayerNorm(self.output_size)
        self.layer = nn.TransformerEncoderLayer(
            self.output_size,
            heads,
            dim_feedforward=2 * self.output_size,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )

    def reads_flat(self, device):
        """False: this encoder reads padded rows only."""
        return False

    def forward(self, inputs, lengths):
        """Encode ``inputs`` (N, L, D) whose rows hold ``lengths`` (N,) items (a CPU tensor)."""
        n, length = inputs.shape[:2]
        if n == 0 or length == 0:
            return inputs.new_zeros(n, length, self.output_size)
        positions = sinusoid_positions(length, self.output_size).to(inputs)
        items = self.input_norm(self.projection(inputs)) + positions  # (N, L, 2H)
        # a row without items attends to its first (padding) position, then is zeroed
        mask = _padding_mask(lengths.clamp(min=1), length, inputs.device)  # (N, L)
        states = self.layer(items, src_key_padding_mask=~mask)
        kept = _padding_mask(lengths, length, inputs.device)
        return states * kept[..., None].to(states.dtype)  # (N, L, 2H)
