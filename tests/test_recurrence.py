import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_mgm.encoders import SequenceEncoder
from sklearn_mgm.recurrence import bidirectional_gru, packed_layout

LENGTHS = torch.tensor([6, 3, 5, 1, 6, 0, 2, 4])
WIDTH = 6


@pytest.fixture
def gru():
    torch.manual_seed(0)
    return nn.GRU(5, 4, batch_first=True, bidirectional=True).double()


def packed_gru(gru, inputs):
    """nn.GRU over the packed rows of LENGTHS, zeros elsewhere (rows of length 0 included)."""
    kept = LENGTHS > 0
    packed = pack_padded_sequence(
        inputs[kept], LENGTHS[kept], batch_first=True, enforce_sorted=False
    )
    states, _ = gru(packed)
    states, _ = pad_packed_sequence(states, batch_first=True, total_length=WIDTH)
    output = inputs.new_zeros(len(LENGTHS), WIDTH, 2 * gru.hidden_size)
    output[kept] = states
    return output


def flat_gru(gru, inputs):
    starts = np.arange(len(LENGTHS)) * WIDTH
    states = bidirectional_gru(gru, inputs.flatten(0, 1), starts, LENGTHS.numpy())
    return states.view(len(LENGTHS), WIDTH, -1)


def gradients(function, gru, inputs, upstream):
    inputs = inputs.clone().requires_grad_()
    outputs = function(gru, inputs)
    return outputs, torch.autograd.grad((outputs * upstream).sum(), [inputs, *gru.parameters()])


def test_states_and_gradients_are_those_of_nn_gru(gru):
    inputs = torch.randn(len(LENGTHS), WIDTH, 5, dtype=torch.float64)
    upstream = torch.randn(len(LENGTHS), WIDTH, 8, dtype=torch.float64)
    expected, expected_grads = gradients(packed_gru, gru, inputs, upstream)
    got, got_grads = gradients(flat_gru, gru, inputs, upstream)
    torch.testing.assert_close(got, expected)
    for mine, theirs in zip(got_grads, expected_grads):
        torch.testing.assert_close(mine, theirs)
    with torch.no_grad():
        torch.testing.assert_close(flat_gru(gru, inputs), expected)


def test_a_table_of_distinct_items_gives_what_its_rows_give(gru):
    table = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    generator = torch.Generator().manual_seed(1)
    item_rows = torch.randint(0, 3, (len(LENGTHS) * WIDTH,), generator=generator)
    starts = np.arange(len(LENGTHS)) * WIDTH
    upstream = torch.randn(len(LENGTHS) * WIDTH, 8, dtype=torch.float64)
    by_table = bidirectional_gru(gru, table, starts, LENGTHS.numpy(), item_rows)
    by_rows = bidirectional_gru(gru, table[item_rows], starts, LENGTHS.numpy())
    torch.testing.assert_close(by_table, by_rows)
    parameters = [table, *gru.parameters()]
    for mine, theirs in zip(
        torch.autograd.grad((by_table * upstream).sum(), parameters),
        torch.autograd.grad((by_rows * upstream).sum(), parameters),
    ):
        torch.testing.assert_close(mine, theirs)


def test_rows_outside_every_sequence_get_zeros_and_no_gradient(gru):
    inputs = torch.randn(10, 5, dtype=torch.float64, requires_grad=True)
    states = bidirectional_gru(gru, inputs, np.array([1, 6]), np.array([3, 2]))
    outside = [0, 4, 5, 8, 9]
    assert (states[outside] == 0).all() and (states[[1, 2, 3, 6, 7]] != 0).any(dim=1).all()
    (grad,) = torch.autograd.grad(states.sum(), [inputs])
    assert (grad[outside] == 0).all()


def test_no_sequence_at_all_gives_zeros(gru):
    states = bidirectional_gru(gru, torch.randn(4, 5).double(), np.array([0, 2]), np.array([0, 0]))
    assert states.shape == (4, 8) and (states == 0).all()


def test_the_layout_reads_each_sequence_forward_and_from_its_end():
    batch_sizes, rows = packed_layout(np.array([10, 0, 20]), np.array([2, 3, 1]))
    assert batch_sizes == [3, 2, 1]
    # step 0: the longest first (0, then 10, then 20); each later step keeps that order
    assert rows[0].tolist() == [0, 10, 20, 1, 11, 2]
    assert rows[1].tolist() == [2, 11, 20, 1, 10, 0]


def test_the_sequence_encoder_on_the_cpu_matches_its_packed_gru():
    torch.manual_seed(0)
    encoder = SequenceEncoder(input_size=5, hidden_size=4, residual=True).double()
    assert encoder.reads_flat("cpu") and not encoder.reads_flat("meta")
    assert not SequenceEncoder(input_size=5, hidden_size=4, rnn="lstm").reads_flat("cpu")
    inputs = torch.randn(len(LENGTHS), WIDTH, 5, dtype=torch.float64)
    mask = (torch.arange(WIDTH) < LENGTHS[:, None])[..., None]
    expected = packed_gru(encoder.rnn, inputs) + encoder.skip(inputs) * mask
    torch.testing.assert_close(encoder(inputs, LENGTHS), expected)


def test_the_residual_encoder_reads_a_table_as_it_reads_the_gathered_rows():
    torch.manual_seed(0)
    encoder = SequenceEncoder(input_size=3, hidden_size=2, residual=True).double()
    table = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    item_rows = torch.tensor([2, 0, 3, 1, 1, 2, 0, 3])
    mask = torch.tensor([True, True, True, False, True, True, False, False])
    starts, lengths = np.array([0, 4]), np.array([3, 2])
    by_table = encoder.encode_flat(table, starts, lengths, mask, item_rows=item_rows)
    gathered = table[item_rows].detach().requires_grad_()
    by_rows = encoder.encode_flat(gathered, starts, lengths, mask)
    torch.testing.assert_close(by_table, by_rows)
    assert not by_table[~mask].any()  # no state and no skipped input outside the sequences
    weights = torch.randn_like(by_table)
    (by_table * weights).sum().backward()
    (by_rows * weights).sum().backward()
    expected = torch.zeros_like(table).index_add_(0, item_rows, gathered.grad)
    torch.testing.assert_close(table.grad, expected)
