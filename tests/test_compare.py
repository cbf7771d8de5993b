import json
import math
from collections import defaultdict

import joblib
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from distributed import get_task_stream
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklearn_mgm import compare_with_baselines, make_mgm_pipeline, make_mgm_vote
from sklearn_mgm.baselines import (
    MODEL_NAMES,
    check_model_names,
    make_models,
    written_without_spaces,
)
from sklearn_mgm.compare import (
    ComparisonTable,
    FastTextClassifier,
    check_comparison_data,
    comparison_folds,
    default_models,
)
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.significance import compare_with_best, corrected_resampled_ttest

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


def tiny_models():
    models = default_models()
    models["MGM (sklearn-mgm)"] = make_mgm_pipeline(**TINY_MGM)
    models["majority"] = DummyClassifier()
    return models


@pytest.fixture(scope="module")
def corpus():
    return make_hierarchical_documents(60, random_state=0)


@pytest.fixture(scope="module")
def table(corpus):
    return compare_with_baselines(*corpus, cv=3, models=tiny_models())


@pytest.fixture(scope="module")
def parallel_table(corpus):
    return compare_with_baselines(*corpus, cv=3, models=tiny_models(), n_jobs=2)


def assert_same_scores(table, other):
    """Equal per-fold scores, per-class scores and confusion matrices; times aside."""
    assert [row["model"] for row in table.rows] == [row["model"] for row in other.rows]
    for name, folds in table.fold_scores.items():
        for metric in ("accuracy", "macro_f1"):
            assert folds[metric] == other.fold_scores[name][metric], (name, metric)
    assert table.per_class == other.per_class
    for name, matrix in table.confusion_matrices.items():
        np.testing.assert_array_equal(matrix, other.confusion_matrices[name])


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
        assert row["concurrent_fits"] == 1
    majority = table.rows[-1]
    assert majority["accuracy_mean"] == pytest.approx(0.5, abs=0.02)
    for row in table.rows:
        folds = table.fold_scores[row["model"]]
        assert len(folds["accuracy"]) == 3
        assert row["accuracy_mean"] == pytest.approx(np.mean(folds["accuracy"]))
        assert row["macro_f1_std"] == pytest.approx(np.std(folds["macro_f1"]))


def test_every_model_is_tested_against_the_best_on_the_same_folds(table):
    best = table.best()
    assert table.settings["best"] == best and table.settings["n_folds"] == 3
    n_train, n_test = table.settings["n_train"], table.settings["n_test"]
    assert (n_train, n_test) == (40, 20)
    for row in table.rows:
        if row["model"] == best:
            assert row["p_value_vs_best"] is None and row["accuracy_diff_vs_best"] == 0
            assert row["indistinguishable_from_best"] is True
            continue
        expected = corrected_resampled_ttest(
            table.fold_scores[row["model"]]["accuracy"],
            table.fold_scores[best]["accuracy"],
            n_train=n_train,
            n_test=n_test,
        )
        assert row["accuracy_diff_vs_best"] == pytest.approx(expected.difference)
        assert row["accuracy_diff_vs_best"] <= 0
        assert row["p_value_vs_best"] == pytest.approx(expected.p_value)
        assert row["indistinguishable_from_best"] == (expected.p_value >= 0.05)


def test_the_p_value_matches_a_hand_computation():
    scores = [0.90, 0.85, 0.88, 0.92, 0.87]
    reference = [0.86, 0.84, 0.85, 0.90, 0.83]
    # differences 0.04 0.01 0.03 0.02 0.04: mean 0.028, sample variance 0.00068 / 4 = 0.00017;
    # J = 5 folds, 20 test and 80 training documents: variance factor 1/5 + 20/80 = 0.45
    t = 0.028 / math.sqrt(0.45 * 0.00017)
    # Student's t with 4 degrees of freedom has a closed-form distribution function
    x = t * t / 4
    cdf = 0.5 + 3 / 8 * t / math.sqrt(1 + x) * (1 - t * t / (12 * (1 + x)))
    test = corrected_resampled_ttest(scores, reference, n_train=80, n_test=20)
    assert test.dof == 4
    assert test.difference == pytest.approx(0.028)
    assert test.statistic == pytest.approx(t) and t == pytest.approx(3.2013, abs=1e-4)
    assert test.p_value == pytest.approx(2 * (1 - cdf))
    assert test.p_value == pytest.approx(0.03286, abs=1e-5)
    # the opposite order flips the sign, not the p-value
    swapped = corrected_resampled_ttest(reference, scores, n_train=80, n_test=20)
    assert swapped.statistic == pytest.approx(-t) and swapped.p_value == pytest.approx(test.p_value)


def test_the_correction_widens_the_plain_paired_t_test():
    rng = np.random.RandomState(0)
    scores, reference = rng.uniform(0.8, 0.9, 10), rng.uniform(0.8, 0.9, 10)
    plain = stats.ttest_rel(scores, reference)
    # without overlap (n_test / n_train -> 0) the test is the plain paired t-test
    limit = corrected_resampled_ttest(scores, reference, n_train=1e12, n_test=1)
    assert limit.p_value == pytest.approx(plain.pvalue)
    corrected = corrected_resampled_ttest(scores, reference, n_train=90, n_test=10)
    assert abs(corrected.statistic) < abs(plain.statistic)
    assert corrected.p_value > plain.pvalue


def test_folds_that_agree_everywhere_or_differ_by_a_constant():
    same = corrected_resampled_ttest([0.8, 0.9], [0.8, 0.9], n_train=10, n_test=5)
    assert (same.statistic, same.p_value) == (0.0, 1.0)
    shifted = corrected_resampled_ttest([0.7, 0.8], [0.8, 0.9], n_train=10, n_test=5)
    assert shifted.statistic == -np.inf and shifted.p_value == 0.0


@pytest.mark.parametrize(
    ("scores", "reference", "message"),
    [([0.8, 0.9], [0.8], "shapes"), ([0.8], [0.9], "at least two folds")],
)
def test_the_test_refuses_unpaired_scores(scores, reference, message):
    with pytest.raises(ValueError, match=message):
        corrected_resampled_ttest(scores, reference, n_train=10, n_test=5)


def test_compare_with_best_marks_the_models_within_reach():
    tests = compare_with_best(
        {"a": [0.90, 0.85, 0.88], "b": [0.60, 0.55, 0.62], "c": [0.89, 0.86, 0.86]},
        n_train=60,
        n_test=30,
        alpha=0.05,
    )
    assert tests["a"] == {"difference": 0.0, "p_value": None, "indistinguishable": True}
    assert tests["b"]["p_value"] < 0.05 and not tests["b"]["indistinguishable"]
    assert tests["c"]["p_value"] > 0.05 and tests["c"]["indistinguishable"]


def test_repeated_folds_enter_the_test_together(corpus, seen):
    models = {"majority": Recording(DummyClassifier(), "majority"), **make_models(["logreg"])}
    table = compare_with_baselines(*corpus, cv=3, repeats=2, models=models, random_state=1)
    folds = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=1).split(*corpus)
    texts = np.array(corpus[0], dtype=object)
    assert seen["majority"]["predict"] == [texts[test].tolist() for _, test in folds]
    assert table.settings["n_folds"] == 6
    best = table.best()
    (other,) = [row for row in table.rows if row["model"] != best]
    expected = corrected_resampled_ttest(
        table.fold_scores[other["model"]]["accuracy"],
        table.fold_scores[best]["accuracy"],
        n_train=40,
        n_test=20,
    )
    assert expected.dof == 5 and other["p_value_vs_best"] == pytest.approx(expected.p_value)
    # each document is predicted once per repeat
    assert sum(row["support"] for row in table.per_class if row["model"] == "majority") == 120


def test_per_class_scores_pool_the_out_of_fold_predictions(table, corpus):
    texts, y = corpus
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    logreg = default_models()["TF-IDF + LogisticRegression"]
    predictions = cross_val_predict(logreg, texts, y, cv=folds)
    precision, recall, f1, support = precision_recall_fscore_support(y, predictions)
    rows = [row for row in table.per_class if row["model"] == "TF-IDF + LogisticRegression"]
    assert [row["class"] for row in rows] == table.classes == [0, 1]
    np.testing.assert_allclose([row["precision"] for row in rows], precision)
    np.testing.assert_allclose([row["recall"] for row in rows], recall)
    np.testing.assert_allclose([row["f1"] for row in rows], f1)
    assert [row["support"] for row in rows] == support.tolist()
    matrix = table.confusion_matrices["TF-IDF + LogisticRegression"]
    np.testing.assert_array_equal(matrix.diagonal() / matrix.sum(axis=1), recall)
    majority = [row for row in table.per_class if row["model"] == "majority"]
    assert sorted(row["recall"] for row in majority) == [0.0, 1.0]


def test_parallel_folds_give_the_sequential_scores(table, parallel_table):
    assert_same_scores(table, parallel_table)
    assert parallel_table.settings["concurrent_fits"] == 2
    assert {row["concurrent_fits"] for row in parallel_table.rows} == {2}
    assert "fit s / fold (2 at once)" in parallel_table.to_markdown()
    assert "up to 2 fits running at once" in parallel_table.to_markdown()
    assert "at once" not in table.to_markdown()


def test_a_dask_cluster_gives_the_sequential_scores(dask_client, corpus, table):
    with get_task_stream(dask_client) as tasks, joblib.parallel_config(backend="dask"):
        on_dask = compare_with_baselines(*corpus, cv=3, models=tiny_models())
    assert {task["worker"] for task in tasks.data} == set(dask_client.scheduler_info()["workers"])
    assert on_dask.settings["concurrent_fits"] == 2
    assert_same_scores(table, on_dask)


def test_the_longest_fits_run_first(corpus, capsys):
    models = {
        "logreg": default_models()["TF-IDF + LogisticRegression"],
        "fastText": FastTextClassifier(epoch=2),
        "mgm": make_mgm_pipeline(**TINY_MGM),
    }
    compare_with_baselines(*corpus, cv=2, models=models, verbose=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert [line.split("] ")[1].split(",")[0] for line in lines] == [
        "mgm",
        "mgm",
        "fastText",
        "fastText",
        "logreg",
        "logreg",
    ]
    assert lines[0].startswith("[1/6] mgm, fold 1/2: accuracy ")


@pytest.mark.parametrize(("n_jobs", "epochs"), [(1, True), (2, False)])
def test_epoch_tables_only_when_the_fits_run_one_by_one(corpus, capsys, n_jobs, epochs):
    models = {"mgm": make_mgm_pipeline(**TINY_MGM), **make_models(["svc"])}
    compare_with_baselines(*corpus, cv=2, models=models, n_jobs=n_jobs, verbose=2)
    out = capsys.readouterr().out
    assert ("train_loss" in out) is epochs
    assert out.count(": accuracy ") == 4  # one line per finished fit


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


def test_the_learning_curve_trains_on_nested_stratified_parts(corpus, seen):
    texts, y = corpus
    label_of = dict(zip(texts, y))
    models = {"majority": Recording(DummyClassifier(), "majority"), **make_models(["logreg"])}
    table = compare_with_baselines(texts, y, cv=2, models=models, learning_curve=[0.5, 0.2])
    fits, tests = seen["majority"]["fit"], seen["majority"]["predict"]
    # the full training folds first, then each fold's parts, largest first
    assert [len(fit) for fit in fits] == [30, 30, 15, 15, 6, 6]
    for fold in range(2):
        full, half, fifth = (set(fits[fold + offset]) for offset in (0, 2, 4))
        assert fifth < half < full and not full & set(tests[fold])
        assert tests[fold + 2] == tests[fold + 4] == tests[fold]
        for part in (half, fifth):
            assert abs(np.mean([label_of[text] for text in part]) - 0.5) <= 0.1
    curve = table.learning_curve
    assert [(p["model"], p["fraction"], p["train_size"]) for p in curve] == [
        (name, fraction, size)
        for name in ("majority", "TF-IDF + LogisticRegression")
        for fraction, size in ((0.2, 6), (0.5, 15), (1.0, 30))
    ]
    for point in curve[2::3]:
        row = next(row for row in table.rows if row["model"] == point["model"])
        assert point["accuracy_mean"] == row["accuracy_mean"]
    assert table.settings["learning_curve_fractions"] == [0.2, 0.5, 1.0]


@pytest.mark.parametrize("learning_curve", [[0, 0.5], [1.5], [], "half"])
def test_bad_learning_curve_fractions(corpus, learning_curve):
    with pytest.raises(ValueError, match="learning_curve"):
        compare_with_baselines(*corpus, cv=2, models=["logreg"], learning_curve=learning_curve)


def test_ctrl_c_during_a_fit_stops_the_comparison(seen):
    texts, y = make_hierarchical_documents(30, random_state=1)
    interrupted = make_mgm_pipeline(
        **{**TINY_MGM, "max_epochs": 2}, callbacks=[CtrlCAfterFirstEpoch()]
    )
    assert interrupted.fit(texts, y)[-1].interrupted_  # skorch returns from fit as if done
    models = {"next": Recording(DummyClassifier(), "next"), "interrupted": interrupted}
    with pytest.raises(KeyboardInterrupt, match="interrupted after 1 of 2 epochs"):
        compare_with_baselines(texts, y, cv=3, models=models)
    assert "next" not in seen  # the network is fitted first, and nothing after it


@pytest.mark.parametrize("member_first", [True, False])
def test_ctrl_c_inside_a_vote_stops_the_comparison(seen, member_first):
    texts, y = make_hierarchical_documents(30, random_state=1)
    vote = make_mgm_vote(**{**TINY_MGM, "max_epochs": 2}, callbacks=[CtrlCAfterFirstEpoch()])
    models = {"interrupted vote": vote, "next": Recording(DummyClassifier(), "next")}
    if not member_first:
        models = dict(reversed(models.items()))
    with pytest.raises(KeyboardInterrupt, match="interrupted after 1 of 2 epochs"):
        compare_with_baselines(texts, y, cv=3, models=models)
    assert "next" not in seen  # a vote with a network is fitted first, like the network


def test_the_vote_by_short_name_is_compared_with_its_linear_member(corpus):
    texts, y = corpus
    table = compare_with_baselines(
        texts, y, cv=2, models="logreg, mgm-vote", max_epochs=1, random_state=0
    )
    rows = {row["model"]: row for row in table.rows}
    assert list(rows) == [MODEL_NAMES["logreg"], MODEL_NAMES["mgm-vote"]]
    assert 0 <= rows[MODEL_NAMES["mgm-vote"]]["accuracy_mean"] <= 1
    assert table.settings["mgm_model"] is None  # the vote is not the MGM pipeline


def test_models_by_short_name(corpus):
    table = compare_with_baselines(*corpus, cv=2, models="char-svc, logreg", random_state=0)
    assert [row["model"] for row in table.rows] == [MODEL_NAMES["char-svc"], MODEL_NAMES["logreg"]]
    assert list(make_models(list(MODEL_NAMES))) == list(MODEL_NAMES.values())
    assert table.settings["mgm_model"] is None
    assert table.confusion_models() == [table.best()]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (
            "mgm,bert",
            "Unknown model 'bert'; choose from mgm, logreg, svc, fasttext, char-svc, mgm-vote, "
            "mgm-ensemble.",
        ),
        (["svc", "svc"], "Model 'svc' is named twice"),
        ("", "No model named"),
    ],
)
def test_unknown_or_repeated_model_names(names, message):
    with pytest.raises(ValueError, match=message):
        check_model_names(names)


def test_the_character_baseline_joins_for_text_without_spaces():
    unspaced = ["今天的比赛很精彩。", "東京で新しい店が開いた。", "ตลาดหุ้นปรับตัวลดลงวันนี้"]
    assert written_without_spaces(unspaced)
    assert not written_without_spaces(["The market fell today.", "今天的比赛很精彩。"])
    assert MODEL_NAMES["char-svc"] in default_models(texts=unspaced)
    assert MODEL_NAMES["char-svc"] not in default_models(texts=["The market fell today."])
    assert MODEL_NAMES["char-svc"] not in default_models()


def test_outputs(tmp_path, table):
    paths = table.save(tmp_path / "out")
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == [
        "confusion_matrices.png",
        "per_class.csv",
        "results.csv",
        "results.json",
        "results.md",
        "results.png",
    ]
    for name in ("results.png", "confusion_matrices.png"):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG"
    markdown = (tmp_path / "out" / "results.md").read_text().splitlines()
    assert len([line for line in markdown if line.startswith("|")]) == 2 + len(table.rows)
    assert any("corrected resampled t-test" in line for line in markdown)
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["rows"] == table.rows and written["per_class"] == table.per_class
    matrices = written["confusion_matrices"]
    assert matrices["majority"] == table.confusion_matrices["majority"].tolist()
    header = (tmp_path / "out" / "results.csv").read_text().splitlines()[0]
    assert header.startswith("model,accuracy_mean,accuracy_std")
    assert "p_value_vs_best" in header and "indistinguishable_from_best" in header
    per_class = (tmp_path / "out" / "per_class.csv").read_text().splitlines()
    assert per_class[0] == "model,class,precision,recall,f1,support"
    assert len(per_class) == 1 + 2 * len(table.rows)
    assert table.confusion_models() == list(dict.fromkeys([table.best(), "MGM (sklearn-mgm)"]))


def test_learning_curve_outputs(tmp_path, corpus):
    table = compare_with_baselines(*corpus, cv=2, models=["logreg", "svc"], learning_curve=True)
    paths = table.save(tmp_path)
    assert {"learning_curve.csv", "learning_curve.png"} <= {p.rsplit("/", 1)[1] for p in paths}
    lines = (tmp_path / "learning_curve.csv").read_text().splitlines()
    assert lines[0].split(",") == [
        "model",
        "fraction",
        "train_size",
        "accuracy_mean",
        "accuracy_std",
        "macro_f1_mean",
        "macro_f1_std",
    ]
    assert [line.split(",")[1] for line in lines[1:5]] == ["0.1", "0.25", "0.5", "1.0"]
    assert len(table.plot_learning_curve().axes[0].lines) == 2


def known_rows():
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
        for name, accuracy, f1 in (("a", 0.9, 0.7), ("b", 0.8, 0.75), ("c", 0.88, 0.7))
    ]
    tests = {"a": (0.0, None, True), "b": (-0.1, 0.0004, False), "c": (-0.02, 0.31, True)}
    for row in rows:
        difference, p_value, within_reach = tests[row["model"]]
        row["accuracy_diff_vs_best"], row["p_value_vs_best"] = difference, p_value
        row["indistinguishable_from_best"] = within_reach
    return rows


def test_best_and_markdown_of_known_rows():
    table = ComparisonTable(known_rows(), {}, settings={"n_folds": 5, "concurrent_fits": 1})
    assert table.best() == "a"
    assert table.best("macro_f1_mean") == "b"
    lines = table.to_markdown().splitlines()
    assert lines[2:5] == [
        "| a | 90.00 ± 1.00 | 70.00 ± 2.00 | best | 1.50 | 12,346 |",
        "| b | 80.00 ± 1.00 | 75.00 ± 2.00 | -10.00 points, p < 0.001 | 1.50 | 12,346 |",
        "| c | 88.00 ± 1.00 | 70.00 ± 2.00 | -2.00 points, p = 0.310 ≈ | 1.50 | 12,346 |",
    ]
    assert "same 5 folds" in table.to_markdown()
    untested = known_rows()[0]
    del untested["p_value_vs_best"], untested["indistinguishable_from_best"]
    markdown = ComparisonTable([untested], {}).to_markdown()
    assert "| a | 90.00 ± 1.00 | 70.00 ± 2.00 | — |" in markdown


def test_plot_and_save_leave_pyplot_alone(tmp_path, table):
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a backend of the user's, which plotting must not switch
    try:
        figures = plt.get_fignums()
        figure = table.plot()
        assert len(figure.axes) == 2
        assert len(table.plot_confusion_matrices().axes) == len(table.confusion_models())
        table.save(tmp_path / "out")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == figures
    finally:
        matplotlib.use(before)


def test_the_chart_writes_each_test_beside_its_model():
    figure = ComparisonTable(known_rows(), {}).plot()
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["a\nbest", "b\n-10.00 points, p < 0.001", "c\n-2.00 points, p = 0.310 ≈"]


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ([], [], "empty"),
        (["a", "b"], ["x"], "must pair up"),
        (["a", "b", "c"], ["x", "x", "x"], "Only one class"),
        (["a", "b"], ["x", "y"], "Only 2 documents for 3 folds"),
    ],
)
def test_bad_data(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        check_comparison_data(texts, labels, 3)


def test_folds_stratify_where_they_can():
    labels = np.array(["x"] * 6 + ["y"] * 3)
    folds = comparison_folds(labels, cv=3, random_state=0)
    assert [sorted(labels[test]) for _, test in folds] == [["x", "x", "y"]] * 3
    with pytest.warns(UserWarning, match="'y' has only 2 documents, fewer than the 3 folds"):
        folds = comparison_folds(labels[:8], cv=3)
    assert sum("y" in labels[test] for _, test in folds) == 2
    # every class rarer than the folds: plain k-fold, which still trains on several classes
    rare = np.array([0, 0, 1, 1, 2, 2])
    with pytest.warns(UserWarning, match="not stratified"):
        folds = comparison_folds(rare, cv=3, repeats=2)
    assert len(folds) == 6 and all(len(np.unique(rare[train])) >= 2 for train, _ in folds)
    with pytest.raises(ValueError, match=r"Fold \d would train on one class only \('x'\)"):
        comparison_folds(np.array(["x", "x", "x", "y"]), cv=3)


def test_bad_parameters_are_named():
    texts, y = make_hierarchical_documents(12, random_state=0)
    with pytest.raises(ValueError, match="'cv' parameter of compare_with_baselines must be an"):
        compare_with_baselines(texts, y, cv=1)
    with pytest.raises(ValueError, match="'repeats' parameter"):
        compare_with_baselines(texts, y, repeats=0)
    with pytest.raises(ValueError, match="No models to compare"):
        compare_with_baselines(texts, y, cv=2, models={})


def test_fasttext_wrapper_learns_and_keeps_labels():
    texts = ["goal match team"] * 10 + ["stock market shares"] * 10
    labels = np.array(["sport"] * 10 + ["money"] * 10)
    clf = FastTextClassifier(epoch=20).fit(texts, labels)
    assert clf.predict(["team goal", "market shares"]).tolist() == ["sport", "money"]
    np.testing.assert_allclose(clf.predict_proba(texts).sum(axis=1), 1, rtol=1e-3)
