import pickle

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import _safe_indexing, check_consistent_length

from sklearn_mgm import TokenizedDocuments
from sklearn_mgm.documents import concatenated_ranges

NESTED = [
    [[[2, 3], [4]], [[5]]],
    [],
    [[[3, 3, 3]]],
    [[[2]], [[4, 5], [2]], [[3]]],
]
VOCABULARY = {"a": 2, "b": 3, "c": 4, "d": 5}


@pytest.fixture
def docs():
    return TokenizedDocuments.from_nested(NESTED, VOCABULARY)


def test_nested_round_trip_and_counts(docs):
    assert len(docs) == 4
    assert docs.shape == (4,)
    assert [docs[i] for i in range(4)] == NESTED
    assert list(docs) == NESTED
    assert docs.n_paragraphs.tolist() == [2, 0, 1, 3]
    assert docs.n_sentences.tolist() == [3, 0, 1, 4]
    assert docs.n_words.tolist() == [4, 0, 3, 5]
    assert docs.word_ids.dtype == np.int32
    assert docs.vocabulary is VOCABULARY
    assert docs.vocabulary_size == 6


def test_negative_integer_index(docs):
    assert docs[-1] == NESTED[-1]
    with pytest.raises(IndexError, match="out of range"):
        docs[4]


@pytest.mark.parametrize(
    "key",
    [slice(1, 3), slice(None, None, -1), [3, 0, 0], np.array([2, 1]), np.array([1, 0, 1, 1], bool)],
)
def test_subsets_match_python_indexing(docs, key):
    subset = docs[key]
    assert isinstance(subset, TokenizedDocuments)
    expected = np.array(NESTED, dtype=object)[key].tolist()
    assert list(subset) == expected
    assert subset.vocabulary is docs.vocabulary


def test_empty_selection(docs):
    subset = docs[np.array([], dtype=int)]
    assert len(subset) == 0 and subset.nbytes > 0


def test_bad_index_is_explained(docs):
    with pytest.raises(IndexError, match="boolean index"):
        docs[np.array([True, False])]
    with pytest.raises(IndexError, match="1-D integer array"):
        docs[np.array([0.5])]
    with pytest.raises(IndexError, match="one-dimensional"):
        docs[0, 1]


def test_constructor_checks_offsets():
    with pytest.raises(ValueError, match="sentence_offsets must start at 0"):
        TokenizedDocuments([2, 3], [0, 1], [0, 1], [0, 1], VOCABULARY)
    with pytest.raises(ValueError, match=r"word ids must lie in \[1, 5\]"):
        TokenizedDocuments([2, 9], [0, 2], [0, 1], [0, 1], VOCABULARY)
    with pytest.raises(TypeError, match="mapping"):
        TokenizedDocuments([2], [0, 1], [0, 1], [0, 1], ["a"])


def test_pickle_and_equality(docs):
    restored = pickle.loads(pickle.dumps(docs))
    assert restored == docs
    assert docs[[0, 1]] != docs[[1, 0]]
    assert docs.__eq__("x") is NotImplemented


def test_sklearn_indexing_helpers(docs):
    subset = _safe_indexing(docs, np.array([3, 0]))
    assert list(subset) == [NESTED[3], NESTED[0]]
    assert list(_safe_indexing(docs, [1, 2])) == [NESTED[1], NESTED[2]]
    check_consistent_length(docs, np.arange(4))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_consistent_length(docs, np.arange(3))


def test_stratified_kfold_splits_container():
    many = TokenizedDocuments.from_nested(NESTED * 5, VOCABULARY)
    y = np.arange(20) % 2
    covered = []
    for _, test in StratifiedKFold(n_splits=5).split(many, y):
        covered.extend(test.tolist())
        assert list(many[test]) == [NESTED[i % 4] for i in test]
    assert sorted(covered) == list(range(20))


def test_nbytes_counts_ids_and_offsets(docs):
    n_words = len(docs.word_ids)
    assert docs.nbytes == 4 * n_words + 8 * (9 + 7 + 5)


def test_concatenated_ranges_matches_loop():
    rng = np.random.default_rng(0)
    starts = rng.integers(0, 50, size=30)
    stops = starts + rng.integers(0, 5, size=30)
    expected = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops)])
    np.testing.assert_array_equal(concatenated_ranges(starts, stops), expected)
