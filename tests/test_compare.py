import json

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier

from sklearn_mgm import compare_with_baselines, make_mgm_pipeline
from sklearn_mgm.compare import FastTextClassifier, check_comparison_data, default_models
from sklearn_mgm.datasets import make_hierarchical_documents

TINY_MGM = dict(
    sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0
)


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
    assert all(len(folds["accuracy"]) == 3 for folds in table.fold_scores.values())


def test_same_folds_for_every_model():
    texts, y = make_hierarchical_documents(30, random_state=1)
    models = {"a": DummyClassifier(strategy="stratified", random_state=0)}
    first = compare_with_baselines(texts, y, cv=3, models=models, random_state=3)
    second = compare_with_baselines(texts, y, cv=3, models=models, random_state=3)
    assert first.fold_scores["a"]["accuracy"] == second.fold_scores["a"]["accuracy"]


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
    assert table.best() in [row["model"] for row in table.rows]


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
