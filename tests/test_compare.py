import json
from collections import defaultdict

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklearn_mgm import compare_with_baselines, make_mgm_pipeline
from sklearn_mgm.compare import (
    ComparisonTable,
    FastTextClassifier,
    check_comparison_data,
    default_models,
)
from sklearn_mgm.datasets import make_hierarchical_documents

TINY_MGM = dict(
    sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0
)
# the texts each Recording model was fitted on and predicted, per model name, in call order;
# cross-validation fits clones, so the record lives outside the estimators
SEEN = defaultdict(lambda: {"fit": [], "predict": []})


class Recording(ClassifierMixin, BaseEstimator):
    """``estimator``, noting under ``name`` the texts it is fitted on and predicts."""

    def __init__(self, estimator, name):
        self.estimator = estimator
        self.name = name

    def fit(self, X, y):
        SEEN[self.name]["fit"].append(list(X))
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        SEEN[self.name]["predict"].append(list(X))
        return self.estimator_.predict(X)


@pytest.fixture
def seen():
    SEEN.clear()
    yield SEEN
    SEEN.clear()


class CtrlCAfterFirstEpoch(Callback):
    """Raise KeyboardInterrupt where Ctrl-C would: inside the training loop."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def table():
    texts, y = make_hierarchical_documents(60, random_state=0)
    models = default_models()
    models["MGM (sklearn-mgm)"] = make_mgm_pipeline(**TINY_MGM)
    return compare_with_baselines(
        texts, y, cv=3, models=models, extra_models={"majority": DummyClassifier()}
    )


def test_one_row_per_model_with_every_figure(table):
    names = [row["model"] for row in table.rows]
    assert names == [
        "MGM (sklearn-mgm)",
        "TF-IDF + LogisticRegression",
        "TF-IDF + LinearSVC",
        "fastText",
        "majority",
    ]
    for row in table.rows:
        assert 0 <= row["accuracy_mean"] <= 1 and row["accuracy_std"] >= 0
        assert 0 <= row["macro_f1_mean"] <= 1
        assert row["fit_seconds_per_fold"] > 0 and row["predict_docs_per_second"] > 0
    majority = table.rows[-1]
    assert majority["accuracy_mean"] == pytest.approx(0.5, abs=0.02)
    for row in table.rows:
        folds = table.fold_scores[row["model"]]
        assert len(folds["accuracy"]) == 3
        assert row["accuracy_mean"] == pytest.approx(np.mean(folds["accuracy"]))
        assert row["macro_f1_std"] == pytest.approx(np.std(folds["macro_f1"]))


def test_every_model_sees_the_same_folds(seen):
    texts, y = make_hierarchical_documents(30, random_state=1)
    models = {
        "majority": Recording(DummyClassifier(), "majority"),
        "tf-idf": Recording(make_pipeline(TfidfVectorizer(), LogisticRegression()), "tf-idf"),
        "mgm": Recording(make_mgm_pipeline(**TINY_MGM), "mgm"),
    }
    compare_with_baselines(texts, y, cv=3, models=models, random_state=3)
    folds = seen["majority"]
    assert len(folds["fit"]) == len(folds["predict"]) == 3
    assert seen["tf-idf"] == folds and seen["mgm"] == folds
    assert sorted(text for test in folds["predict"] for text in test) == sorted(texts)
    for train, test in zip(folds["fit"], folds["predict"]):
        assert sorted(train + test) == sorted(texts)
    seen.clear()
    compare_with_baselines(texts, y, cv=3, models=models, random_state=3)
    assert seen["majority"] == folds
    seen.clear()
    compare_with_baselines(texts, y, cv=3, models=models, random_state=4)
    assert seen["majority"]["predict"] != folds["predict"]


def test_ctrl_c_during_a_fit_stops_the_comparison(seen):
    texts, y = make_hierarchical_documents(30, random_state=1)
    interrupted = make_mgm_pipeline(
        **{**TINY_MGM, "max_epochs": 2}, callbacks=[CtrlCAfterFirstEpoch()]
    )
    assert interrupted.fit(texts, y)[-1].interrupted_  # skorch returns from fit as if done
    models = {"interrupted": interrupted, "next": Recording(DummyClassifier(), "next")}
    with pytest.raises(KeyboardInterrupt, match="interrupted after 1 of 2 epochs"):
        compare_with_baselines(texts, y, cv=3, models=models)
    assert "next" not in seen


def test_outputs(tmp_path, table):
    paths = table.save(tmp_path / "out")
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == [
        "results.csv",
        "results.json",
        "results.md",
        "results.png",
    ]
    assert (tmp_path / "out" / "results.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "out" / "results.md").read_text().count("\n") == 2 + len(table.rows)
    assert json.loads((tmp_path / "out" / "results.json").read_text())["rows"] == table.rows
    header = (tmp_path / "out" / "results.csv").read_text().splitlines()[0]
    assert header.startswith("model,accuracy_mean,accuracy_std")


def test_best_and_markdown_of_known_rows():
    rows = [
        {
            "model": name,
            "accuracy_mean": accuracy,
            "accuracy_std": 0.01,
            "macro_f1_mean": f1,
            "macro_f1_std": 0.02,
            "fit_seconds_per_fold": 1.5,
            "predict_docs_per_second": 12345.6,
        }
        for name, accuracy, f1 in (("a", 0.9, 0.7), ("b", 0.8, 0.75))
    ]
    table = ComparisonTable(rows, {})
    assert table.best() == "a"
    assert table.best("macro_f1_mean") == "b"
    assert table.to_markdown().splitlines()[2] == (
        "| a | 90.00 ± 1.00 | 70.00 ± 2.00 | 1.50 | 12,346 |"
    )


def test_plot_and_save_leave_pyplot_alone(tmp_path, table):
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a backend of the user's, which plotting must not switch
    try:
        figures = plt.get_fignums()
        figure = table.plot()
        assert len(figure.axes) == 2
        table.save(tmp_path / "out")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == figures
    finally:
        matplotlib.use(before)


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ([], [], "empty"),
        (["a", "b"], ["x"], "must pair up"),
        (["a", "b", "c"], ["x", "x", "x"], "Only one class"),
        (["a", "b", "c", "d"], ["x", "x", "x", "y"], "fewer than the 3 folds"),
    ],
)
def test_bad_data(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        check_comparison_data(texts, labels, 3)


def test_fasttext_wrapper_learns_and_keeps_labels():
    texts = ["goal match team"] * 10 + ["stock market shares"] * 10
    labels = np.array(["sport"] * 10 + ["money"] * 10)
    clf = FastTextClassifier(epoch=20).fit(texts, labels)
    assert clf.predict(["team goal", "market shares"]).tolist() == ["sport", "money"]
    np.testing.assert_allclose(clf.predict_proba(texts).sum(axis=1), 1, rtol=1e-3)
