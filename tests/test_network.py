from itertools import combinations

import numpy as np
import pytest
import torch

from sklearn_mgm import MultiGranularityNetwork, TokenizedDocuments
from sklearn_mgm.batching import DocumentBatch, collate_documents
from sklearn_mgm.documents import UNKNOWN_ID
from sklearn_mgm.encoders import SelfAttentionEncoder, SequenceEncoder
from sklearn_mgm.granularities import GRANULARITIES, VIEWS
from sklearn_mgm.network import AttentionPool

VOCABULARY = {w: i for i, w in enumerate("abcdefghij", start=2)}
NESTED = [
    [[[2, 3, 4], [5]], [[6, 7]]],
    [[[8, 9, 10, 11]]],
    [],
    [[[3]], [[4, 4], [5, 6, 7]], [[2]]],
]
ALL_SUBSETS = [c for r in range(1, len(VIEWS) + 1) for c in combinations(VIEWS, r)]


def make_network(**params):
    torch.manual_seed(0)
    defaults = dict(vocabulary_size=12, n_classes=3, embedding_dim=8, hidden_size=6)
    return MultiGranularityNetwork(**{**defaults, **params}).eval()


def batch_of(nested):
    return collate_documents(TokenizedDocuments.from_nested(nested, VOCABULARY))


def pad(batch, extra=3):
    """The same batch with extra padding on every axis."""

    def wider(tensor):
        return torch.nn.functional.pad(tensor, (0, extra))

    # every word group is encoded `extra` words wider
    positions = batch.document_word_index - 1
    remapped = torch.zeros_like(positions)
    old_start = new_start = 0
    for rows, _, width in batch.word_groups:
        local = positions - old_start
        inside = (local >= 0) & (local < len(rows) * width)
        moved = new_start + (local // width) * (width + extra) + local % width
        remapped = torch.where(inside, moved, remapped)
        old_start += len(rows) * width
        new_start += len(rows) * (width + extra)
    sentence_positions = batch.document_sentence_index - 1
    old_s, new_s = batch.sentence_index.shape[1], batch.sentence_index.shape[1] + extra
    remapped_s = (sentence_positions // old_s) * new_s + sentence_positions % old_s + 1
    return DocumentBatch(
        [(rows, lengths, width + extra) for rows, lengths, width in batch.word_groups],
        words=wider(batch.words),
        grouped_position=batch.grouped_position,
        sentence_documents=batch.sentence_documents,
        paragraph_lengths=batch.paragraph_lengths,
        document_lengths=batch.document_lengths,
        sentence_index=wider(batch.sentence_index),
        paragraph_index=wider(batch.paragraph_index),
        document_sentence_index=wider(
            torch.where(batch.document_sentence_index > 0, remapped_s, 0)
        ),
        document_word_index=wider(torch.where(batch.document_word_index > 0, remapped + 1, 0)),
    )


@pytest.mark.parametrize("granularities", ALL_SUBSETS)
def test_every_granularity_subset_gives_logits(granularities):
    net = make_network(granularities=granularities)
    logits = net(batch_of(NESTED))
    assert logits.shape == (4, 3)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("rnn", ["gru", "lstm"])
@pytest.mark.parametrize("heads", [1, 3])
def test_cells_and_heads(rnn, heads):
    net = make_network(rnn=rnn, attention_heads=heads)
    assert net(batch_of(NESTED)).shape == (4, 3)
    assert net.output.in_features == 4 * 12 * (heads + 1)  # 4 views of the heads and the maximum


ENCODERS = [
    dict(rnn="lstm"),
    dict(encoder="self-attention"),
    dict(encoder=("self-attention", "recurrent", "recurrent")),
]


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("granularities", ALL_SUBSETS)
def test_extra_padding_changes_nothing(granularities, encoder):
    net = make_network(granularities=granularities, **encoder)
    batch = batch_of(NESTED)
    torch.testing.assert_close(net(pad(batch)), net(batch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("granularities", ALL_SUBSETS)
def test_grouping_sentences_by_length_changes_nothing(granularities, encoder):
    net = make_network(granularities=granularities, attention_heads=2, **encoder)
    documents = TokenizedDocuments.from_nested(NESTED, VOCABULARY)
    one_grid, one_grid_attention = net(
        collate_documents(documents, word_group_ratio=None), return_attention=True
    )
    for ratio in (1.01, 1.5, 4.0):
        logits, attention = net(
            collate_documents(documents, word_group_ratio=ratio), return_attention=True
        )
        torch.testing.assert_close(logits, one_grid, rtol=1e-5, atol=1e-6)
        assert attention.keys() == one_grid_attention.keys()
        for level, weights in attention.items():
            torch.testing.assert_close(weights, one_grid_attention[level], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_empty_sentences_and_paragraphs_change_nothing(encoder):
    net = make_network(**encoder)
    with_empties = [
        [[[2, 3, 4], [], [5]], [], [[6, 7]]],
        [[], [[8, 9, 10, 11], []]],
        [[]],
        [[[3]], [[4, 4], [5, 6, 7]], [[], []], [[2]]],
    ]
    torch.testing.assert_close(net(batch_of(with_empties)), net(batch_of(NESTED)))


@pytest.mark.parametrize("encoder", ENCODERS)
def test_logits_do_not_depend_on_batch_neighbours(encoder):
    net = make_network(**encoder)
    alone = net(batch_of(NESTED[3:]))
    torch.testing.assert_close(net(batch_of(NESTED))[3:], alone, rtol=1e-5, atol=1e-6)


def test_empty_document_gets_the_output_bias():
    net = make_network()
    logits = net(batch_of([[]]))
    torch.testing.assert_close(logits[0], net.output.bias)


def test_padding_embedding_is_zero_and_gets_no_gradient():
    net = make_network().train()
    assert torch.count_nonzero(net.embedding.weight[0]) == 0
    net(batch_of(NESTED)).sum().backward()
    assert torch.count_nonzero(net.embedding.weight.grad[0]) == 0


def test_attention_weights_sum_to_one_over_real_items():
    net = make_network(attention_heads=2, granularities=GRANULARITIES)
    batch = batch_of(NESTED)
    logits, attention = net(batch, return_attention=True)
    assert set(attention) == {"word", "sentence", "paragraph", "document_word", "document_sentence"}
    masks = batch.attention_masks()
    assert masks.keys() - {"bag"} == attention.keys()
    for level, weights in attention.items():
        mask = masks[level]
        assert weights.shape == (*mask.shape, 2)
        assert torch.all(weights[~mask] == 0)
        totals = weights.sum(dim=1)  # (rows, heads)
        expected = mask.any(dim=1, keepdim=True).float().expand_as(totals)
        torch.testing.assert_close(totals, expected)
    torch.testing.assert_close(logits, net(batch))


def test_only_the_needed_submodules_exist():
    names = {n for n, _ in make_network(granularities=("word",)).named_children()}
    assert "sentence_encoder" not in names and "paragraph_encoder" not in names


def test_a_pool_without_a_projection_scores_the_keys_it_is_given():
    torch.manual_seed(0)
    own = AttentionPool(input_size=4, heads=2, max_pool=True)
    given = AttentionPool(input_size=4, heads=2, max_pool=True, project=False)
    torch.nn.init.normal_(own.context)
    with torch.no_grad():
        given.context.copy_(own.context)
    assert given.projection is None and len(list(given.parameters())) == 1
    items, mask = torch.randn(3, 5, 4), torch.rand(3, 5) > 0.3
    for mine, theirs in zip(given(items, mask, own.keys(items)), own(items, mask)):
        torch.testing.assert_close(mine, theirs)
    grids, masks, part_rows, *_ = parts_and_rows(torch.randn(12, 4))
    keys = [own.keys(grid) for grid in grids]
    parted, _ = given.pool_parts(grids, masks, part_rows, 4, keys=keys)
    torch.testing.assert_close(parted, own.pool_parts(grids, masks, part_rows, 4)[0])
    with pytest.raises(ValueError, match="pass the items' keys"):
        given(items, mask)


def test_the_document_word_pool_scores_the_keys_of_the_sentence_word_pool():
    batch = batch_of(NESTED)
    alone = make_network(granularities=("word",))
    assert alone.document_word_attention.projection is not None
    net = make_network(granularities=("word", "sentence"))
    assert net.document_word_attention.projection is None
    _, before = net(batch, return_attention=True)
    with torch.no_grad():  # the word pool's projection: only keys and sentence vectors use it
        net.word_attention.projection.weight.mul_(-2.0)
    _, after = net(batch, return_attention=True)
    changed = (before["document_word"] - after["document_word"]).abs().amax()
    assert changed > 1e-3


def test_attention_pool_of_a_fully_masked_row_is_zero():
    pool = AttentionPool(4)
    torch.nn.init.normal_(pool.context)
    pooled, weights = pool(torch.randn(2, 3, 4), torch.tensor([[True, True, False], [False] * 3]))
    assert torch.all(pooled[1] == 0) and torch.all(weights[1] == 0)


@pytest.mark.parametrize("bad", [(), ("word", "letter")])
def test_bad_granularities(bad):
    with pytest.raises(ValueError, match="granularities must be a non-empty tuple"):
        make_network(granularities=bad)


def test_the_maximum_sits_beside_the_heads_and_ignores_padding():
    pool = AttentionPool(input_size=2, heads=1, max_pool=True)
    items = torch.tensor([[[1.0, -5.0], [3.0, -7.0], [99.0, 99.0]], [[0.0, 0.0]] * 3])
    mask = torch.tensor([[True, True, False], [False, False, False]])
    pooled, _ = pool(items, mask)
    torch.testing.assert_close(pooled[0, 2:], torch.tensor([3.0, -5.0]))
    torch.testing.assert_close(pooled[1], torch.zeros(4))  # no item at all


# rows 0-3 of items come in parts (sentences) of two groups of widths 3 and 1;
# row 2 has no part, row 3 has parts in both groups
PART_GROUPS = [[(0, 2), (0, 3), (3, 3), (3, 2)], [(1, 1), (3, 1)]]  # (row, items) per part


def parts_and_rows(items):
    """``items`` (n, D) laid out as PART_GROUPS' grids and as padded rows, with masks."""
    padded = torch.cat([items, items.new_zeros(1, items.shape[1])])  # row n: padding
    n, next_item = len(items), 0
    by_row = {row: [] for row in range(4)}
    grids, masks, part_rows = [], [], []
    for group in PART_GROUPS:
        width = max(length for _, length in group)
        index = torch.full((len(group), width), n)
        for place, (row, length) in enumerate(group):
            taken = torch.arange(next_item, next_item + length)
            index[place, :length] = taken
            by_row[row].append(taken)
            part_rows.append(row)
            next_item += length
        grids.append(padded[index])
        masks.append(index < n)
    longest = max(sum(len(t) for t in taken) for taken in by_row.values())
    row_index = torch.full((4, longest), n)
    for row, taken in by_row.items():
        flat = torch.cat(taken) if taken else torch.zeros(0, dtype=torch.long)
        row_index[row, : len(flat)] = flat
    return grids, masks, torch.tensor(part_rows), padded[row_index], row_index < n, row_index


@pytest.mark.parametrize("heads, max_pool", [(1, True), (2, False)])
def test_pooling_parts_gives_what_padded_rows_give(heads, max_pool):
    torch.manual_seed(0)
    pool = AttentionPool(input_size=3, heads=heads, max_pool=max_pool).double()
    torch.nn.init.normal_(pool.context, std=3.0)
    items = torch.randn(12, 3, dtype=torch.float64, requires_grad=True)
    grids, masks, part_rows, rows, row_mask, row_index = parts_and_rows(items)
    upstream = torch.randn(4, pool.output_size, dtype=torch.float64)
    padded, padded_weights = pool(rows, row_mask)
    parted, weights = pool.pool_parts(grids, masks, part_rows, 4, return_weights=True)
    torch.testing.assert_close(parted, padded)
    assert not parted[2].any()  # no part: zeros, not NaN
    item_weights = torch.zeros(13, heads, dtype=torch.float64)  # row 12: padding
    for group, mask, index in zip(weights, masks, parts_and_rows(torch.arange(12.0)[:, None])[0]):
        assert not group[~mask].any()
        item_weights[index[..., 0].long()[mask]] = group[mask]
    torch.testing.assert_close(item_weights[row_index][row_mask], padded_weights[row_mask])
    parameters = [items, *pool.parameters()]
    for mine, theirs in zip(
        torch.autograd.grad((parted * upstream).sum(), parameters),
        torch.autograd.grad((padded * upstream).sum(), parameters),
    ):
        torch.testing.assert_close(mine, theirs)


def test_pooling_parts_takes_the_maximum_over_given_maxima():
    # the maxima of a document's sentences, given, give the maximum over its
    # words, in value and in gradient
    torch.manual_seed(0)
    pool = AttentionPool(input_size=3, heads=1, max_pool=True).double()
    torch.nn.init.normal_(pool.context)  # torch.empty's bytes may be NaN
    items = torch.randn(12, 3, dtype=torch.float64, requires_grad=True)
    grids, masks, part_rows, *_ = parts_and_rows(items)
    lowest = torch.finfo(torch.float64).min
    maxima = torch.cat(
        [grid.masked_fill(~mask[..., None], lowest).amax(dim=1) for grid, mask in zip(grids, masks)]
    )
    upstream = torch.randn(4, pool.output_size, dtype=torch.float64)
    direct, _ = pool.pool_parts(grids, masks, part_rows, 4)
    given, _ = pool.pool_parts(grids, masks, part_rows, 4, maxima=(maxima, part_rows))
    torch.testing.assert_close(given, direct)
    torch.testing.assert_close(
        torch.autograd.grad((given * upstream).sum(), items, retain_graph=True)[0],
        torch.autograd.grad((direct * upstream).sum(), items)[0],
    )


def test_skip_connections_carry_the_input_and_leave_padding_at_zero():
    torch.manual_seed(0)
    encoder = SequenceEncoder(input_size=3, hidden_size=2, residual=True)
    inputs, lengths = torch.randn(2, 4, 3), torch.tensor([4, 2])
    states = encoder(inputs, lengths)
    assert not states[1, 2:].any()
    plain = SequenceEncoder(input_size=3, hidden_size=2)
    plain.rnn.load_state_dict(encoder.rnn.state_dict())
    torch.testing.assert_close(
        states - plain(inputs, lengths),
        encoder.skip(inputs) * (torch.arange(4) < lengths[:, None])[..., None],
    )


def test_self_attention_encoder_reads_no_padding_and_knows_word_order():
    torch.manual_seed(0)
    encoder = SelfAttentionEncoder(input_size=3, hidden_size=2).eval()
    inputs, lengths = torch.randn(3, 4, 3), torch.tensor([4, 2, 0])
    states = encoder(inputs, lengths)
    assert states.shape == (3, 4, 4) and torch.isfinite(states).all()
    assert not states[1, 2:].any() and not states[2].any()
    changed_padding = inputs.clone()
    changed_padding[1, 2:] = 7.0
    torch.testing.assert_close(encoder(changed_padding, lengths), states)
    reversed_row = inputs[:1].flip(1)
    # the same items in the other order get other states: positions are read
    assert not torch.allclose(encoder(reversed_row, lengths[:1]).flip(1), states[:1])


def test_self_attention_encoder_gives_the_same_states_without_gradients():
    # torch takes another path through the layer at inference
    torch.manual_seed(0)
    encoder = SelfAttentionEncoder(input_size=3, hidden_size=2).eval()
    inputs, lengths = torch.randn(3, 5, 3), torch.tensor([5, 2, 0])
    with torch.no_grad():
        fast = encoder(inputs, lengths)
    torch.testing.assert_close(fast, encoder(inputs, lengths).detach())
    assert not fast[1, 2:].any() and not fast[2].any()


def test_self_attention_heads_must_divide_the_width():
    with pytest.raises(ValueError, match="heads must divide"):
        SelfAttentionEncoder(input_size=3, hidden_size=3, heads=4)


@pytest.mark.parametrize("bad", ["convolution", ("recurrent",), 3, [["recurrent"]] * 3])
def test_an_unknown_encoder_is_refused(bad):
    with pytest.raises(ValueError, match="encoder must be one of"):
        make_network(encoder=bad)


@pytest.mark.parametrize("container", [tuple, list])
def test_each_level_can_have_its_own_encoder(container):
    net = make_network(encoder=container(["self-attention", "recurrent", "self-attention"]))
    assert isinstance(net.word_encoder, SelfAttentionEncoder)
    assert isinstance(net.sentence_encoder, SequenceEncoder)
    assert isinstance(net.paragraph_encoder, SelfAttentionEncoder)
    assert net(batch_of(NESTED)).shape == (4, 3)


def test_attention_alone_and_no_skips_remain_available():
    net = make_network(pooling="attention", residual=False)
    assert net.word_encoder.skip is None and not net.word_attention.max_pool
    with pytest.raises(ValueError, match="pooling must be one of"):
        make_network(pooling="max")


def test_bag_shares_sum_to_one_over_known_words():
    net = make_network(granularities=("bag", "sentence"))
    batch = batch_of(NESTED)
    _, attention = net(batch, return_attention=True)
    shares = attention["bag"][..., 0]  # (sentences, words)
    assert shares.shape == batch.words.shape
    assert torch.all(shares[batch.words <= 1] == 0)
    totals = torch.zeros(len(batch)).index_add_(0, batch.sentence_documents, shares.sum(dim=1))
    has_known = (
        torch.zeros(len(batch)).index_add_(
            0, batch.sentence_documents, (batch.words > 1).sum(dim=1).float()
        )
        > 0
    )
    torch.testing.assert_close(totals, has_known.float())


def test_view_dropout_drops_whole_views_and_keeps_one():
    torch.manual_seed(0)
    net = make_network(granularities=("bag", "word", "sentence"), view_dropout=0.5)
    views = [torch.ones(200, 2), torch.ones(200, 3), torch.ones(200, 1)]
    dropped = net.train()._drop_views(views)
    kept = torch.stack([view[:, 0] > 0 for view in dropped], dim=1)  # (200, 3)
    assert kept.any(dim=1).all() and not kept.all(dim=1).all()
    for view in dropped:
        torch.testing.assert_close(
            view[:, 0], kept.float().sum(dim=1).reciprocal() * 3 * (view[:, 0] > 0)
        )
        assert torch.all(view == view[:, :1])
    assert net.eval()._drop_views(views) is views


def test_view_loss_gives_each_view_its_own_logits():
    views = ("bag", "word", "paragraph")
    net = make_network(granularities=views, view_loss=0.5)
    batch = batch_of(NESTED)
    logits, view_logits = net.train()(batch, return_view_logits=True)
    assert logits.shape == (len(NESTED), 3)
    assert [tuple(v.shape) for v in view_logits] == [(len(NESTED), 3)] * len(views)
    assert list(net.view_outputs) == list(views)
    torch.testing.assert_close(net.eval()(batch), net(batch, return_view_logits=False))


def test_without_view_loss_the_network_has_no_view_outputs():
    net = make_network()
    assert not hasattr(net, "view_outputs")
    assert isinstance(net(batch_of(NESTED), return_view_logits=True), torch.Tensor)


@pytest.mark.parametrize("view_loss", [-0.1, float("nan")])
def test_view_loss_must_be_non_negative(view_loss):
    with pytest.raises(ValueError, match="view_loss must be 0 or more"):
        make_network(view_loss=view_loss)


def test_word_dropout_makes_known_words_unknown_in_training_only():
    net = make_network(word_dropout=0.5)
    batch = batch_of(NESTED)
    words = batch.words.clone()
    torch.manual_seed(0)
    dropped = net.train()._drop_words(batch).words
    assert torch.equal(batch.words, words)  # the caller's batch is left alone
    known = words > UNKNOWN_ID
    changed = dropped != words
    assert changed.any() and (~known & changed).sum() == 0  # padding stays padding
    assert torch.all(dropped[changed] == UNKNOWN_ID)
    assert 0.2 < changed.sum() / known.sum() < 0.8
    assert net.eval()._drop_words(batch) is batch
    torch.testing.assert_close(net(batch), make_network()(batch))


@pytest.mark.parametrize("word_dropout", [-0.1, 1.0])
def test_word_dropout_must_be_a_probability_below_one(word_dropout):
    with pytest.raises(ValueError, match=r"word_dropout must be in \[0, 1\)"):
        make_network(word_dropout=word_dropout)


@pytest.mark.parametrize("bag_ngrams", [1, 2.5, "3", True])
def test_bag_ngrams_must_be_an_int_of_two_or_more(bag_ngrams):
    with pytest.raises(ValueError, match="bag_ngrams must be an int of 2 or more"):
        make_network(bag_ngrams=bag_ngrams)


def test_longer_bag_ngrams_change_the_bag_view_only_with_buckets():
    batch = batch_of(NESTED)
    torch.manual_seed(0)
    bigrams = make_network(bigram_buckets=64).eval()
    torch.manual_seed(0)
    trigrams = make_network(bigram_buckets=64, bag_ngrams=3).eval()
    assert not torch.allclose(bigrams(batch), trigrams(batch))
    torch.manual_seed(0)
    words_only = make_network().eval()
    torch.manual_seed(0)
    torch.testing.assert_close(make_network(bag_ngrams=4).eval()(batch), words_only(batch))


def test_bag_ngrams_takes_numpy_ints():
    assert make_network(bigram_buckets=64, bag_ngrams=np.int64(3)).bag.ngrams == 3
