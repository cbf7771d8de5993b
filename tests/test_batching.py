import numpy as np
import pytest
import torch
from torch.utils.data import Subset

from sklearn_mgm import TokenizedDocuments
from sklearn_mgm.batching import (
    BucketBatchSampler,
    DocumentDataset,
    collate_batch,
    collate_documents,
    document_sizes,
    length_groups,
)

VOCABULARY = {w: i for i, w in enumerate("abcdefgh", start=2)}


def make_docs():
    return TokenizedDocuments.from_nested(
        [
            [[[2, 3, 4], [5]], [[6, 7]]],
            [],
            [[[8], [], [9, 2]], [], [[3]]],
        ],
        VOCABULARY,
    )


def test_collate_layout_drops_empty_items_and_keeps_empty_documents():
    batch = collate_documents(make_docs(), word_group_ratio=None)
    assert len(batch) == 3
    assert batch.words.tolist() == [
        [2, 3, 4],
        [5, 0, 0],
        [6, 7, 0],
        [8, 0, 0],
        [9, 2, 0],
        [3, 0, 0],
    ]
    assert batch.sentence_index.tolist() == [[1, 2], [3, 0], [4, 5], [6, 0]]
    assert batch.paragraph_index.tolist() == [[1, 2], [0, 0], [3, 4]]
    # flat positions in the (4 paragraphs x 2 sentences) grid
    assert batch.document_sentence_index.tolist() == [[1, 2, 3], [0, 0, 0], [5, 6, 7]]
    # flat positions in the (6 sentences x 3 words) grid
    assert batch.document_word_index.tolist() == [
        [1, 2, 3, 4, 7, 8],
        [0, 0, 0, 0, 0, 0],
        [10, 13, 14, 16, 0, 0],
    ]
    [(rows, lengths, width)] = batch.word_groups
    assert rows.tolist() == [0, 1, 2, 3, 4, 5] and width == 3
    assert lengths.tolist() == [3, 1, 2, 1, 2, 1]


def test_collate_groups_sentences_of_similar_length():
    # sentence lengths 3, 1, 2, 1, 2, 1: groups {0} of width 3, {2, 4} of 2, {1, 3, 5} of 1
    batch = collate_documents(make_docs(), word_group_ratio=1.5)
    groups = [(rows.tolist(), sizes.tolist(), width) for rows, sizes, width in batch.word_groups]
    assert groups == [([0], [3], 3), ([2, 4], [2, 2], 2), ([1, 3, 5], [1, 1, 1], 1)]
    assert batch.grouped_position.tolist() == [0, 3, 1, 4, 2, 5]
    # flat positions once the group grids (1 x 3, 2 x 2, 3 x 1) are laid end to end
    assert batch.document_word_index.tolist() == [
        [1, 2, 3, 8, 4, 5],
        [0, 0, 0, 0, 0, 0],
        [9, 6, 7, 10, 0, 0],
    ]
    flat = torch.cat([batch.words[rows, :width].flatten() for rows, _, width in batch.word_groups])
    index = batch.document_word_index
    document_words = torch.where(index > 0, flat[(index - 1).clamp(min=0)], 0)
    assert document_words.tolist() == [[2, 3, 4, 5, 6, 7], [0] * 6, [8, 9, 2, 3, 0, 0]]


def test_length_groups_cover_every_row_once_within_the_ratio():
    lengths = np.random.default_rng(0).integers(1, 100, size=300)
    for ratio in (1.1, 1.5, 4.0):
        groups = length_groups(lengths, ratio)
        rows = np.concatenate([group for group, _ in groups])
        assert sorted(rows.tolist()) == list(range(300))
        for group, width in groups:
            assert lengths[group].max() == width
            assert np.all(lengths[group] * ratio > width)
    assert len(length_groups(lengths, None)) == 1
    assert length_groups(np.zeros(0, dtype=int), 1.5) == []


def test_collate_pads_to_the_batch_not_the_corpus():
    docs = make_docs()
    small = collate_documents(docs[[2]])
    assert small.words.shape == (3, 2)
    assert small.paragraph_index.shape == (1, 2)


def test_collate_of_only_empty_documents():
    batch = collate_documents(make_docs()[[1, 1]])
    assert batch.words.shape[0] == 0
    assert batch.paragraph_index.tolist() == [[0], [0]]


def test_dataset_fetches_whole_batches():
    docs = make_docs()
    dataset = DocumentDataset(docs, np.array([0, 1, 0]))
    batch_docs, labels = dataset.__getitems__([2, 0])
    assert list(batch_docs) == [docs[2], docs[0]]
    assert labels.tolist() == [0, 0]
    X, y = collate_batch((batch_docs, labels))
    assert len(X) == 2 and y.dtype == torch.int64
    subset = Subset(dataset, [2, 1])
    assert document_sizes(subset).tolist() == [4, 0]


def test_bucket_sampler_covers_everything_once_with_similar_sizes():
    sizes = np.random.default_rng(0).integers(1, 1000, size=500)
    sampler = BucketBatchSampler(sizes, batch_size=10, shuffle=True)
    torch.manual_seed(0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 50
    assert sorted(i for b in batches for i in b) == list(range(500))
    spread = np.mean([np.ptp(sizes[b]) for b in batches])
    random_spread = np.mean([np.ptp(sizes[b]) for b in np.split(np.arange(500), 50)])
    assert spread < random_spread / 5


def test_bucket_sampler_is_seeded_by_torch_and_reshuffles():
    sampler = BucketBatchSampler(np.arange(100), batch_size=8, shuffle=True)
    torch.manual_seed(1)
    first, second = list(sampler), list(sampler)
    torch.manual_seed(1)
    assert list(sampler) == first
    assert first != second


@pytest.mark.parametrize("shuffle", [True, False])
def test_word_budget_bounds_every_batch(shuffle):
    sizes = np.random.default_rng(0).integers(1, 400, size=300)
    sizes[[7, 99]] = 1500  # longer than the budget: a batch alone
    sampler = BucketBatchSampler(sizes, batch_size=16, shuffle=shuffle, max_words=1000)
    torch.manual_seed(0)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(300))
    for batch in batches:
        assert len(batch) <= 16
        assert sizes[batch].sum() <= 1000 or len(batch) == 1
    assert [7] in batches and [99] in batches
    if not shuffle:
        assert len(sampler) == len(batches)
    # without the budget, the same documents need fewer, fuller batches
    assert len(batches) > len(BucketBatchSampler(sizes, batch_size=16, shuffle=shuffle))


def test_sampler_keeps_order_for_evaluation():
    sampler = BucketBatchSampler(np.array([5, 1, 9, 2, 7]), batch_size=2, shuffle=False)
    assert list(sampler) == [[0, 1], [2, 3], [4]]
