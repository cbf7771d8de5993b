import numpy as np
import torch
from torch.utils.data import Subset

from sklearn_mgm import TokenizedDocuments
from sklearn_mgm.batching import (
    BucketBatchSampler,
    DocumentDataset,
    collate_batch,
    collate_documents,
    document_sizes,
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
    batch = collate_documents(make_docs())
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


def test_sampler_keeps_order_for_evaluation():
    sampler = BucketBatchSampler(np.array([5, 1, 9, 2, 7]), batch_size=2, shuffle=False)
    assert list(sampler) == [[0, 1], [2, 3], [4]]
