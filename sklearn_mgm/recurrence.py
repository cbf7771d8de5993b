"""A bidirectional GRU for the CPU whose time steps are few, large and lean.

``nn.GRU`` over packed sequences computes the same function, but on the CPU
its backward pass allocates a gradient of the whole sequence at every time
step, and the network ran it once per group of similar-length sentences,
which multiplies the steps. :func:`bidirectional_gru` reads every sequence of
a batch at once, ordered by length, so that time step ``t`` is one batched
product for both directions over the sequences still running. Its backward
pass is a hand-written loop over the steps that works on each step's slice
while it is in the cache. Given a table of distinct items (the words of a
batch) it projects each once, however often it occurs. The weights are those
of an ``nn.GRU``, so that saved models and other devices are unaffected.
"""

import numpy as np
import torch

from .activations import sigmoid_tanh_


def packed_layout(starts, lengths):
    """Where each direction reads its items, step by step, for sequences laid end to end.

    Parameters
    ----------
    starts : ndarray of int of shape (n_sequences,)
        First row of each sequence in the flat input.
    lengths : ndarray of int of shape (n_sequences,)
        Items of each sequence; sequences of length 0 are never read.

    Returns
    -------
    batch_sizes : list of int
        Sequences still running at each time step (longest first, so they
        are always the first rows of the step).
    rows : ndarray of int64 of shape (2, n_items)
        Input row of each (step, sequence) in step order, for the forward
        direction (row 0) and the backward one (row 1, which reads each
        sequence from its end).

    Examples
    --------
    >>> batch_sizes, rows = packed_layout(np.array([0, 3]), np.array([3, 1]))
    >>> batch_sizes, rows.tolist()
    ([2, 1, 1], [[0, 3, 1, 2], [2, 3, 1, 0]])
    """
    starts, lengths = np.asarray(starts, np.int64), np.asarray(lengths, np.int64)
    order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order]
    longest = int(ordered[0]) if len(ordered) else 0
    # sequences longer than t, for every step t
    batch_sizes = np.searchsorted(-ordered, -np.arange(longest), side="left")
    steps = np.repeat(np.arange(longest), batch_sizes)
    offsets = np.cumsum(batch_sizes) - batch_sizes
    places = np.arange(len(steps)) - offsets[steps]
    sequences = order[places]
    forward = starts[sequences] + steps
    backward = starts[sequences] + lengths[sequences] - 1 - steps
    return batch_sizes.tolist(), np.stack([forward, backward])


def _step_bounds(batch_sizes):
    stops = np.cumsum(batch_sizes)
    return list(zip((stops - batch_sizes).tolist(), stops.tolist()))


def _recur(step_inputs, n_items, weight_hh, bias_hh, batch_sizes, keep):
    """The forward recurrence; with ``keep``, also what the backward pass reads.

    ``step_inputs(start, stop)`` gives the input projections (2, stop - start,
    3H) of the items ``start:stop`` in step order (see :func:`_project`).
    Returns the states (2, M, H) and, with ``keep``, a (2, M, 3H) tensor of
    the reset and update gates and the candidate states, and a (2, M, 2H) one
    of the hidden projections of the candidate and the previous states (two
    tensors, not one: each stays under the size that ``malloc`` maps afresh,
    see :mod:`sklearn_mgm.allocation`).
    """
    size = weight_hh.shape[2]
    states = weight_hh.new_empty(2, n_items, size)
    kept = None
    if keep:
        kept = weight_hh.new_empty(2, n_items, 3 * size), weight_hh.new_empty(2, n_items, 2 * size)
    transposed = weight_hh.transpose(1, 2)  # (2, H, 3H)
    state = weight_hh.new_zeros(2, batch_sizes[0], size)
    for start, stop in _step_bounds(batch_sizes):
        previous = state[:, : stop - start]
        hidden = torch.baddbmm(bias_hh[:, None, :], previous, transposed)  # (2, b, 3H)
        inputs = step_inputs(start, stop)
        # each value is computed where it is kept, not copied there
        gates = kept[0][:, start:stop] if keep else torch.empty_like(hidden)
        reset_update = torch.add(
            inputs[..., : 2 * size], hidden[..., : 2 * size], out=gates[..., : 2 * size]
        ).sigmoid_()
        reset, update = reset_update[..., :size], reset_update[..., size:]
        candidate = torch.addcmul(
            inputs[..., 2 * size :], reset, hidden[..., 2 * size :], out=gates[..., 2 * size :]
        )
        sigmoid_tanh_(candidate)
        # (1 - z) * n + z * h
        state = torch.lerp(candidate, previous, update, out=states[:, start:stop])
        if keep:
            recurrent = kept[1][:, start:stop]
            recurrent[..., :size] = hidden[..., 2 * size :]
            recurrent[..., size:] = previous
    return states, kept


def _project(inputs, rows, weight_ih, bias_ih):
    """Each direction's input projections for ``inputs[rows]``, step by step.

    Returns a function of ``start, stop`` that gives the (2, stop - start, 3H)
    projections of the items ``start:stop`` in step order. A table with fewer
    rows than the items (the distinct words of a batch) is projected once and
    each step gathers its rows, while they are in the cache, rather than all
    steps' rows at once; otherwise the items are gathered and projected first.
    """
    if inputs.shape[0] < rows.shape[1]:
        table = torch.baddbmm(
            bias_ih[:, None, :], inputs.expand(2, -1, -1), weight_ih.transpose(1, 2)
        ).flatten(0, 1)  # (2 * U, 3H)
        table_rows = _in_directions(rows, inputs.shape[0])
        return lambda start, stop: _gathered(table, table_rows[:, start:stop])
    gates_x = torch.baddbmm(bias_ih[:, None, :], _gathered(inputs, rows), weight_ih.transpose(1, 2))
    return lambda start, stop: gates_x[:, start:stop]


def _gathered(table, rows):
    """``table[rows]`` for (2, M) ``rows``: ``index_select`` copies whole rows, twice as fast."""
    return table.index_select(0, rows.flatten()).view(*rows.shape, table.shape[1])


def _in_directions(rows, n_rows):
    """(2, M) rows of a per-direction (2, n_rows, ...) tensor as rows of its (2 * n_rows, ...) view.

    One gather or scatter then serves both directions, without stacking a copy.
    """
    return rows + rows.new_tensor([[0], [n_rows]])


def _project_backward(inputs, rows, weight_ih, grad_gates_x, needs_inputs):
    """Gradients of the inputs, input weights and input biases: :func:`_project` reversed."""
    if inputs.shape[0] < rows.shape[1]:
        n_rows, three_h = inputs.shape[0], grad_gates_x.shape[2]
        grad_table = grad_gates_x.new_zeros(2 * n_rows, three_h).index_add_(
            0, _in_directions(rows, n_rows).flatten(), grad_gates_x.flatten(0, 1)
        )
        grad_table = grad_table.view(2, n_rows, three_h)
        grad_weight = torch.bmm(grad_table.transpose(1, 2), inputs.expand(2, -1, -1))
        grad_inputs = torch.bmm(grad_table, weight_ih).sum(dim=0) if needs_inputs else None
        return grad_inputs, grad_weight, grad_table.sum(dim=1)
    grad_weight = torch.bmm(grad_gates_x.transpose(1, 2), _gathered(inputs, rows))  # (2, 3H, D)
    grad_inputs = None
    if needs_inputs:
        grad_gathered = torch.bmm(grad_gates_x, weight_ih)  # (2, M, D)
        grad_inputs = torch.zeros_like(inputs).index_add_(
            0, rows.flatten(), grad_gathered.flatten(0, 1)
        )
    return grad_inputs, grad_weight, grad_gates_x.sum(dim=1)


def _scatter_states(states, positions, n_positions):
    """(2, M, H) states in step order as (n_positions, 2H) rows, zeros where no item is."""
    size = states.shape[2]
    output = states.new_zeros(n_positions, 2 * size)
    # row 2p of the (2 * n_positions, H) view is position p's forward half, 2p + 1 its backward one
    output.view(-1, size).index_copy_(0, _halves(positions).flatten(), states.flatten(0, 1))
    return output


def _halves(positions):
    """(2, M) positions as rows of the (2 * n_positions, H) view of (n_positions, 2H) states."""
    return positions * 2 + positions.new_tensor([[0], [1]])


class _BidirectionalGRU(torch.autograd.Function):
    """Both directions of a GRU layer (see :func:`bidirectional_gru`), own backward pass."""

    @staticmethod
    def forward(ctx, inputs, rows, positions, batch_sizes, n_positions, *weights):
        weight_ih, bias_ih, weight_hh, bias_hh = weights
        step_inputs = _project(inputs, rows, weight_ih, bias_ih)
        states, kept = _recur(step_inputs, rows.shape[1], weight_hh, bias_hh, batch_sizes, True)
        ctx.save_for_backward(inputs, rows, positions, weight_ih, weight_hh, states, *kept)
        ctx.batch_sizes = batch_sizes
        return _scatter_states(states, positions, n_positions)

    @staticmethod
    def backward(ctx, grad_output):
        inputs, rows, positions, weight_ih, weight_hh, states, gates, recurrent = ctx.saved_tensors
        two, n_items, size = states.shape
        grad_states = _gathered(grad_output.reshape(-1, size), _halves(positions))  # (2, M, H)
        # gradients of the hidden projections' pre-activations (r, z, n); the
        # input projections' are the same but for n, which lacks the reset gate
        grad_hidden = states.new_empty(two, n_items, 3 * size)
        grad_candidate = torch.empty_like(states)
        carried = states.new_zeros(two, ctx.batch_sizes[0], size)
        for start, stop in reversed(_step_bounds(ctx.batch_sizes)):
            step, step_recurrent = gates[:, start:stop], recurrent[:, start:stop]
            reset, update = step[..., :size], step[..., size : 2 * size]
            candidate = step[..., 2 * size :]
            hidden_n, previous = step_recurrent[..., :size], step_recurrent[..., size:]
            grad = grad_states[:, start:stop] + carried[:, : stop - start]
            # each gradient is written where it is kept, not copied there
            through_candidate = torch.ops.aten.tanh_backward.grad_input(
                torch.addcmul(grad, grad, update, value=-1),
                candidate,
                grad_input=grad_candidate[:, start:stop],
            )
            hidden = grad_hidden[:, start:stop]
            torch.ops.aten.sigmoid_backward.grad_input(
                through_candidate * hidden_n, reset, grad_input=hidden[..., :size]
            )
            torch.ops.aten.sigmoid_backward.grad_input(
                grad * (previous - candidate), update, grad_input=hidden[..., size : 2 * size]
            )
            torch.mul(through_candidate, reset, out=hidden[..., 2 * size :])
            carried[:, : stop - start] = torch.baddbmm(grad * update, hidden, weight_hh)
        grad_weight_hh = torch.bmm(grad_hidden.transpose(1, 2), recurrent[..., size:])
        grad_bias_hh = grad_hidden.sum(dim=1)
        # the input projections' gradients differ from the hidden ones in n only:
        # overwrite it in place rather than concatenate a copy of the whole
        grad_gates_x = grad_hidden
        grad_gates_x[..., 2 * size :] = grad_candidate
        grad_inputs, grad_weight_ih, grad_bias_ih = _project_backward(
            inputs, rows, weight_ih, grad_gates_x, ctx.needs_input_grad[0]
        )
        return (
            grad_inputs,
            None,
            None,
            None,
            None,
            grad_weight_ih,
            grad_bias_ih,
            grad_weight_hh,
            grad_bias_hh,
        )


def _direction_weights(gru):
    """The forward and backward direction's weights of a one-layer ``nn.GRU``, stacked."""
    names = ("weight_ih_l0", "bias_ih_l0", "weight_hh_l0", "bias_hh_l0")
    return [torch.stack([getattr(gru, name), getattr(gru, name + "_reverse")]) for name in names]


def bidirectional_gru(gru, inputs, starts, lengths, item_rows=None):
    """Run a one-layer bidirectional ``nn.GRU`` over sequences laid end to end.

    Computes what ``gru`` computes over the packed sequences (each direction
    reads exactly a sequence's items), with the same weights.

    Parameters
    ----------
    gru : torch.nn.GRU
        One layer, bidirectional, with biases.
    inputs : Tensor of shape (n_rows, input_size)
        The vector of each position of the layout or, with ``item_rows``, a
        table of vectors that positions refer to (such as the distinct words
        of a batch: each is then projected once, however often it occurs).
    starts, lengths : ndarray of int of shape (n_sequences,)
        First position and number of items of each sequence.
    item_rows : LongTensor of shape (n_positions,), optional
        Row of ``inputs`` that each position reads.

    Returns
    -------
    Tensor of shape (n_positions, 2 * hidden_size)
        Forward and backward state of each position; zeros at positions of
        no sequence.

    Examples
    --------
    >>> gru = torch.nn.GRU(3, 2, bidirectional=True)
    >>> states = bidirectional_gru(gru, torch.ones(5, 3), np.array([0, 3]), np.array([3, 1]))
    >>> states.shape, states[4].tolist()
    (torch.Size([5, 4]), [0.0, 0.0, 0.0, 0.0])
    """
    # the recurrence runs in the weights' precision, under autocast too
    with torch.autocast(inputs.device.type, enabled=False):
        inputs = inputs.to(gru.weight_ih_l0.dtype)
        return _bidirectional_gru(gru, inputs, starts, lengths, item_rows)


def _bidirectional_gru(gru, inputs, starts, lengths, item_rows):
    n_positions = inputs.shape[0] if item_rows is None else len(item_rows)
    batch_sizes, positions = packed_layout(starts, lengths)
    if not batch_sizes:
        return inputs.new_zeros(n_positions, 2 * gru.hidden_size)
    positions = torch.from_numpy(positions).to(inputs.device)
    rows = positions if item_rows is None else item_rows[positions]
    weights = _direction_weights(gru)
    if torch.is_grad_enabled() and (inputs.requires_grad or weights[0].requires_grad):
        return _BidirectionalGRU.apply(inputs, rows, positions, batch_sizes, n_positions, *weights)
    weight_ih, bias_ih, weight_hh, bias_hh = weights
    step_inputs = _project(inputs, rows, weight_ih, bias_ih)
    states, _ = _recur(step_inputs, rows.shape[1], weight_hh, bias_hh, batch_sizes, False)
    return _scatter_states(states, positions, n_positions)
