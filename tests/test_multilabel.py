"""Several labels per document, and sample weights, the scikit-learn way."""

import csv
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import torch
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.preprocessing import MultiLabelBinarizer

from sklearn_mgm import MultiGranularityClassifier, explain, load, make_mgm_pipeline, save
from sklearn_mgm.cli import main
from sklearn_mgm.compare import compare_with_baselines

TOPICS = {
    "sport": ["The striker scored a goal.", "Fans cheered the team."],
    "business": ["Shares fell sharply.", "Investors sold their stocks."],
    "politics": ["The minister spoke.", "Voters chose a new party."],
}


def corpus(n, seed=0):
    """Documents of one or two topics, a paragraph per topic, and their label sets."""
    rng = np.random.default_rng(seed)
    names = sorted(TOPICS)
    texts, labels = [], []
    for _ in range(n):
        chosen = list(rng.choice(names, size=rng.integers(1, 3), replace=False))
        texts.append("\n\n".join(" ".join(rng.permutation(TOPICS[t])) for t in chosen))
        labels.append(chosen)
    return texts, labels


def label_sets_csv(path, texts, Y, binarizer):
    """A CSV whose label cells hold each document's labels split by '|'; and its rows."""
    rows = [[text, "|".join(binarizer.classes_[row.astype(bool)])] for text, row in zip(texts, Y)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["text", "label"], *rows])
    return path, rows


SMALL = dict(sentence_model="untrained", embedding_dim=8, hidden_size=8, random_state=0)


@pytest.fixture(scope="module")
def data():
    texts, labels = corpus(60)
    binarizer = MultiLabelBinarizer()
    return texts, binarizer.fit_transform(labels), binarizer


@pytest.fixture(scope="module")
def fitted(data):
    texts, Y, _ = data
    return make_mgm_pipeline(max_epochs=15, **SMALL).fit(texts, Y)


def test_an_indicator_matrix_trains_sigmoid_outputs(data, fitted):
    texts, Y, _ = data
    classifier = fitted[-1]
    assert classifier.multilabel_ and classifier.classes_.tolist() == [0, 1, 2]
    assert isinstance(classifier.criterion_, torch.nn.BCEWithLogitsLoss)
    proba = fitted.predict_proba(texts)
    assert proba.shape == (60, 3) and not np.allclose(proba.sum(axis=1), 1)
    predicted = fitted.predict(texts)
    assert predicted.shape == (60, 3) and set(np.unique(predicted)) <= {0, 1}
    assert f1_score(Y, predicted, average="samples") > 0.9
    assert hamming_loss(Y, predicted) < 0.1


def test_predict_never_gives_an_empty_row_unless_allowed(data, fitted):
    texts = data[0]
    strict = fitted.set_params(classifier__threshold=0.999)
    assert (strict.predict(texts).sum(axis=1) >= 1).all()
    empty = fitted.set_params(classifier__allow_empty=True).predict(texts)
    fitted.set_params(classifier__threshold=0.5, classifier__allow_empty=False)
    assert (empty.sum(axis=1) == 0).any()


def test_sparse_indicators_train_the_same_model(data, fitted):
    texts, Y, _ = data
    sparse = make_mgm_pipeline(max_epochs=15, **SMALL).fit(texts, sp.csr_matrix(Y))
    np.testing.assert_allclose(sparse.predict_proba(texts), fitted.predict_proba(texts))


def test_cross_validation_and_grid_search_with_multilabel_scorers(data):
    texts, Y, _ = data
    pipe = make_mgm_pipeline(max_epochs=4, **SMALL)
    scores = cross_val_score(pipe, texts, Y, cv=KFold(3), scoring="f1_samples")
    assert scores.shape == (3,) and (scores > 0).all()
    search = GridSearchCV(pipe, {"classifier__threshold": [0.3, 0.7]}, cv=2, scoring="f1_micro")
    assert search.fit(texts, Y).best_params_["classifier__threshold"] in (0.3, 0.7)


def test_early_stopping_falls_back_to_an_unstratified_split_and_says_so(data):
    texts, Y, _ = data
    pipe = make_mgm_pipeline(max_epochs=3, validation_fraction=0.25, **SMALL)
    with pytest.warns(UserWarning, match="Stratification is not defined"):
        pipe.fit(texts, Y)
    assert "valid_loss" in pipe[-1].history_[-1]


def test_balanced_class_weight_is_each_labels_positive_weight(data):
    texts, Y, _ = data
    pipe = make_mgm_pipeline(max_epochs=1, class_weight="balanced", **SMALL).fit(texts, Y)
    positives = Y.sum(axis=0)
    expected = (len(Y) - positives) / positives
    np.testing.assert_allclose(pipe[-1].criterion_.pos_weight.numpy(), expected, rtol=1e-6)


def test_save_and_load_round_trip_a_multilabel_model(data, fitted, tmp_path):
    texts = data[0]
    save(fitted, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert loaded[-1].multilabel_
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    np.testing.assert_array_equal(loaded.predict(texts), fitted.predict(texts))


def test_tags_and_refitting_with_the_other_kind_of_labels(data, fitted):
    texts, Y, _ = data
    assert MultiGranularityClassifier().__sklearn_tags__().classifier_tags.multi_label
    X = fitted[0].transform(texts)
    with pytest.raises(ValueError, match="indicator matrix of 3 labels"):
        fitted[-1].partial_fit(X, Y[:, :2])
    single = MultiGranularityClassifier(max_epochs=1, embedding_dim=4, hidden_size=4)
    single.fit(X, [row.argmax() for row in Y])
    with pytest.raises(ValueError, match="one label per document"):
        single.partial_fit(X, Y)


# sample weights


def single_label_data(n=60):
    texts, labels = corpus(n, seed=1)
    return texts, np.array([label[0] for label in labels])


def test_a_class_of_zero_weight_is_almost_never_predicted():
    texts, y = single_label_data(90)
    weights = (y != "politics").astype(float)
    pipe = make_mgm_pipeline(max_epochs=8, **SMALL)
    pipe.fit(texts, y, classifier__sample_weight=weights)
    test_texts, _ = single_label_data(200)
    assert np.mean(pipe.predict(test_texts) == "politics") < 0.05


@pytest.mark.parametrize("multilabel", [False, True])
def test_a_weight_of_two_moves_the_model_as_a_duplicate_does(multilabel):
    texts, labels = corpus(12, seed=2)
    y = MultiLabelBinarizer().fit_transform(labels) if multilabel else [lab[0] for lab in labels]
    y = np.asarray(y)
    exact = dict(
        SMALL,
        max_epochs=2,
        batch_size=64,  # one batch
        dropout=0.0,
        granularities=("word", "sentence", "paragraph"),  # the bag's idf counts documents
    )
    weighted = make_mgm_pipeline(**exact)
    weights = np.ones(len(texts))
    weights[0] = 2.0
    weighted.fit(texts, y, classifier__sample_weight=weights)
    duplicated = make_mgm_pipeline(**exact).fit([texts[0], *texts], np.concatenate([y[:1], y]))
    # the two batches sum in different orders; a weight of one misses by about 1e-2
    for a, b in zip(weighted[-1].module_.parameters(), duplicated[-1].module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-4)


def test_sample_weights_reach_the_validation_loss():
    texts, y = single_label_data(80)
    ones = np.ones(len(texts))
    pipe = make_mgm_pipeline(max_epochs=1, validation_fraction=0.25, **SMALL)
    plain = pipe.fit(texts, y)[-1].history_[-1, "valid_loss"]
    weighted = pipe.fit(texts, y, classifier__sample_weight=ones * 3)[-1].history_[-1, "valid_loss"]
    assert weighted == pytest.approx(plain, rel=1e-5)  # normalised: a constant changes nothing
    skewed = np.where(y == "sport", 10.0, 0.1)
    changed = pipe.fit(texts, y, classifier__sample_weight=skewed)[-1].history_[-1, "valid_loss"]
    assert changed != pytest.approx(plain, rel=1e-3)


def test_metadata_routing_sends_sample_weights_to_the_classifier():
    texts, y = single_label_data(60)
    weights = (y != "politics").astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        classifier = MultiGranularityClassifier(max_epochs=1, embedding_dim=4, hidden_size=4)
        pipe = make_mgm_pipeline(sentence_model="untrained").set_params(
            classifier=classifier.set_fit_request(sample_weight=True)
        )
        scores = cross_val_score(
            pipe,
            texts,
            y,
            cv=2,
            scoring=make_scorer(accuracy_score).set_score_request(sample_weight=False),
            params={"sample_weight": weights},
            error_score="raise",
        )
    assert scores.shape == (2,) and np.isfinite(scores).all()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (-np.ones(60), "Negative values"),
        (np.ones(59), "sample_weight.shape"),
        (np.zeros(60), "non-zero"),
    ],
)
def test_bad_sample_weights_are_refused(weights, message):
    texts, y = single_label_data(60)
    pipe = make_mgm_pipeline(max_epochs=1, **SMALL)
    with pytest.raises(ValueError, match=message):
        pipe.fit(texts, y, classifier__sample_weight=weights)


def test_partial_fit_takes_sample_weights():
    texts, y = single_label_data(60)
    tokenizer = make_mgm_pipeline(**SMALL)[0]
    X = tokenizer.fit_transform(texts)
    classifier = MultiGranularityClassifier(max_epochs=1, embedding_dim=4, hidden_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classifier.partial_fit(X, y, sample_weight=np.linspace(0.5, 1.5, len(y)))
        classifier.partial_fit(X, y, sample_weight=np.ones(len(y)))
    assert len(classifier.history_) == 2


def test_explanations_of_a_multilabel_model_name_every_label(data):
    texts, Y, binarizer = data
    pipe = make_mgm_pipeline(max_epochs=10, label_names=binarizer.classes_, **SMALL)
    (explanation,) = explain(pipe.fit(texts, Y), [texts[0]])
    assert set(explanation.probabilities) == set(binarizer.classes_)
    assert isinstance(explanation.label, tuple) and explanation.label
    page = explanation.to_html()
    assert "one attention for every label" in page and ", ".join(explanation.label) in page


def test_a_dataframe_gives_its_columns_as_label_names(data):
    pandas = pytest.importorskip("pandas")
    texts, Y, binarizer = data
    frame = pandas.DataFrame(Y, columns=binarizer.classes_)
    pipe = make_mgm_pipeline(max_epochs=1, **SMALL).fit(texts, frame)
    assert pipe[-1].label_names_.tolist() == binarizer.classes_.tolist()
    with pytest.raises(ValueError, match="label_names has 2 names"):
        make_mgm_pipeline(max_epochs=1, label_names=["a", "b"], **SMALL).fit(texts, Y)


def test_the_cli_trains_and_predicts_several_labels_per_document(data, tmp_path, capsys):
    texts, Y, binarizer = data
    path, rows = label_sets_csv(tmp_path / "data.csv", texts, Y, binarizer)
    model = tmp_path / "model"
    train = ["train", "--csv", str(path), "--label-separator", "|", "--max-epochs", "10"]
    assert main([*train, "--model", str(model), "--quiet"]) == 0
    assert "3 classes (several per document)" in capsys.readouterr().out
    loaded = load(model)
    assert loaded[-1].label_names_.tolist() == ["business", "politics", "sport"]
    assert main(["predict", "--model", str(model), "--text", texts[0], "--text", texts[1]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction,proba_business,proba_politics,proba_sport"
    assert lines[1].split(",")[0] == rows[0][1]


def test_the_comparison_on_label_sets_uses_one_vs_rest_baselines_and_multilabel_scores(data):
    texts, Y, _ = data
    with pytest.warns(UserWarning, match="plain shuffled k-fold"):
        table = compare_with_baselines(texts, sp.csr_matrix(Y), cv=3, models=["logreg", "svc"])
    assert [row["model"] for row in table.rows] == [
        "TF-IDF + one-vs-rest LogisticRegression",
        "TF-IDF + one-vs-rest LinearSVC",
    ]
    row = table.rows[1]
    assert 0 < row["f1_samples_mean"] <= 1 and 0 <= row["hamming_loss_mean"] < 1
    assert len(table.fold_scores[row["model"]]["f1_micro"]) == 3
    assert "f1_samples" in table.to_markdown() or "f1_samples" in table.to_markdown().lower()
    with pytest.raises(ValueError, match="cannot be compared on several labels"):
        compare_with_baselines(texts, Y, cv=3, models=["fasttext"])
    with pytest.raises(ValueError, match="learning_curve"):
        compare_with_baselines(texts, Y, cv=3, models=["svc"], learning_curve=True)


def test_the_cli_compares_label_sets(data, tmp_path, capsys):
    texts, Y, binarizer = data
    path, _ = label_sets_csv(tmp_path / "data.csv", texts, Y, binarizer)
    argv = ["compare", "--csv", str(path), "--label-separator", "|", "--cv", "2"]
    argv += ["--models", "mgm,svc", "--max-epochs", "1", "--quiet", "--n-jobs", "1"]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "3 labels, several per document" in out and "MGM (sklearn-mgm)" in out
    assert (tmp_path / "out" / "results.json").is_file()


@pytest.mark.parametrize("multilabel", [False, True])
def test_sample_weights_with_early_stopping_over_several_validation_batches(multilabel):
    texts, labels = corpus(120, seed=3)
    y = MultiLabelBinarizer().fit_transform(labels) if multilabel else [lab[0] for lab in labels]
    pipe = make_mgm_pipeline(max_epochs=2, validation_fraction=0.4, batch_size=8, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the unstratified split
        pipe.fit(texts, y, classifier__sample_weight=np.linspace(0.5, 2, len(texts)))
    assert np.isfinite(pipe[-1].history_[-1, "valid_acc"])


def test_unit_weights_train_as_no_weights_do_even_with_class_weights():
    texts, y = single_label_data(60)
    params = dict(SMALL, max_epochs=2, class_weight="balanced")
    plain = make_mgm_pipeline(**params).fit(texts, y)
    weighted = make_mgm_pipeline(**params).fit(texts, y, classifier__sample_weight=np.ones(60))
    np.testing.assert_allclose(
        weighted.predict_proba(texts), plain.predict_proba(texts), rtol=1e-4, atol=1e-6
    )


def test_indicator_values_and_class_weight_keys_are_checked(data):
    texts, Y, _ = data
    with pytest.raises(ValueError, match="holds 0 and 1 only"):
        make_mgm_pipeline(max_epochs=1, **SMALL).fit(texts, 2 * Y - 1)
    with pytest.raises(ValueError, match="not label indices"):
        make_mgm_pipeline(max_epochs=1, class_weight={"sport": 2.0}, **SMALL).fit(texts, Y)


def test_a_model_without_label_names_saves_and_predicts_from_the_cli(data, tmp_path, capsys):
    texts, Y, binarizer = data
    named = make_mgm_pipeline(max_epochs=1, label_names=binarizer.classes_, **SMALL)
    save(named.fit(texts, Y), tmp_path / "named")  # an object array of names
    assert load(tmp_path / "named")[-1].label_names_.tolist() == binarizer.classes_.tolist()
    save(make_mgm_pipeline(max_epochs=1, **SMALL).fit(texts, Y), tmp_path / "plain")
    assert main(["predict", "--model", str(tmp_path / "plain"), "--text", texts[0]]) == 0
    assert capsys.readouterr().out.startswith("prediction,proba_0,proba_1,proba_2")
