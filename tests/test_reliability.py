"""Bad input, numerical failure, reproducibility and interrupted or resumed training."""

import csv
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skorch.callbacks import Callback, Checkpoint, LoadInitState

from sklearn_mgm import (
    HierarchicalTokenizer,
    MultiGranularityClassifier,
    TokenizedDocuments,
    load,
    make_mgm_pipeline,
    save,
)
from sklearn_mgm.cli import main
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.documents import UNKNOWN_ID

SMALL = dict(
    embedding_dim=8,
    hidden_size=8,
    max_epochs=2,
    random_state=0,
    batch_size=8,
    sentence_model="untrained",
)
TEXTS = [f"The team scored goal {i}. Fans cheered." for i in range(6)] + [
    f"Shares fell {i} points. Investors sold." for i in range(6)
]
LABELS = ["sport"] * 6 + ["money"] * 6
SMALL_CLASSIFIER = {k: v for k, v in SMALL.items() if k != "sentence_model"}
FIVE_MB = ("word " * 9 + "end. ") * 100_000

# Each document, put between two ordinary ones, gets a row of its own.
ACCEPTED = {
    "empty": "",
    "whitespace only": " \n\t\r\n\u3000 ",
    "control characters and NUL": "goal\x00 scored\x01 \x1b[31m. fans\x7f cheered\x0c",
    "lone surrogates": "goal \ud800 scored. \udfff fans",
    "emoji": "Goal 🎉⚽ scored 👍🏽. Fans 😀 cheered!",
    "Arabic": "سجل الفريق هدفا. هتف المشجعون.",
    "Hebrew": "הקבוצה הבקיעה שער. האוהדים הריעו.",
    "CJK": "球队进了一球。球迷欢呼。チームが得点した。",
    "all words unknown": "Zebra quokka. Axolotl narwhal!",
    "5 MB": FIVE_MB,
}
# Each document, put at position 1, gets this error.
REFUSED = {
    "None": (None, "Document at position 1 is None; expected str. Replace missing texts"),
    "NaN": (float("nan"), "Document at position 1 is NaN; expected str"),
    "int": (7, "Document at position 1 is int; expected str"),
    "float": (2.5, "Document at position 1 is float; expected str"),
    "bytes": (b"goal", r"Document at position 1 is bytes; expected str. Decode it first"),
    "nested list": (["goal", "scored"], "Document at position 1 is list; expected str"),
}


@pytest.fixture(scope="module")
def pipe():
    return make_mgm_pipeline(**SMALL).fit(TEXTS, LABELS)


@pytest.fixture(scope="module")
def model_dir(pipe, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "model"
    save(pipe, path)
    return str(path)


# --- documents ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCEPTED)
def test_odd_documents_get_one_row_each(pipe, name):
    documents = ["Goal scored.", ACCEPTED[name], "Shares fell."]
    X = pipe[0].transform(documents)
    assert len(X) == 3
    assert X.word_ids.size == 0 or 1 <= X.word_ids.min() <= X.word_ids.max() < X.vocabulary_size
    proba = pipe.predict_proba(documents)
    assert proba.shape == (3, 2) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    # the odd document changes nothing for its neighbours
    np.testing.assert_allclose(proba[[0, 2]], pipe.predict_proba(["Goal scored.", "Shares fell."]))
    assert pipe.predict(documents).shape == (3,)


def test_unknown_words_map_to_the_unknown_id(pipe):
    X = pipe[0].transform([ACCEPTED["all words unknown"], "quokka"])
    assert X.word_ids.tolist() == [1] * 5 and X.n_sentences.tolist() == [2, 1]


def test_a_five_megabyte_document_is_truncated_not_refused(pipe):
    X = pipe[0].transform([FIVE_MB])
    tokenizer = pipe[0]
    assert X.n_sentences.tolist() == [tokenizer.max_sentences]
    assert X.n_words.tolist() == [10 * tokenizer.max_sentences]


@pytest.mark.parametrize("name", REFUSED)
def test_refused_documents_name_their_position(pipe, name):
    document, message = REFUSED[name]
    documents = ["Goal scored.", document, "Shares fell."]
    with pytest.raises(TypeError, match=message):
        pipe[0].transform(documents)
    with pytest.raises(TypeError, match=message):
        pipe.predict_proba(documents)
    with pytest.raises(TypeError, match=message):
        make_mgm_pipeline(**SMALL).fit(documents, ["a", "b", "a"])


@pytest.mark.parametrize(
    "corpus, error, message",
    [
        ("one text", ValueError, "Iterable over raw text documents expected, string object"),
        (b"one text", ValueError, "Iterable over raw text documents expected"),
        (None, TypeError, "Expected a list, tuple, numpy array or pandas Series of str, got None"),
        (5, TypeError, "Expected a list, tuple, numpy array or pandas Series of str, got int"),
        (np.array([["a", "b"]]), ValueError, r"got an array with shape \(1, 2\). Pass one text"),
    ],
)
def test_refused_corpora_say_what_to_pass(pipe, corpus, error, message):
    with pytest.raises(error, match=message):
        pipe.predict(corpus)
    with pytest.raises(error, match=message):
        HierarchicalTokenizer().fit(corpus)


def test_an_empty_corpus(pipe):
    with pytest.raises(ValueError, match="Found 0 documents while a minimum of 1 is required"):
        make_mgm_pipeline(**SMALL).fit([], [])
    with pytest.raises(ValueError, match="Found 0 documents"):
        HierarchicalTokenizer().fit([])
    assert len(pipe[0].transform([])) == 0


def test_predicting_an_empty_corpus_says_so(pipe):
    with pytest.raises(ValueError, match="0 documents"):
        pipe.predict_proba([])


def test_fitting_the_classifier_on_zero_documents_says_so(pipe):
    with pytest.raises(ValueError, match="0 documents"):
        MultiGranularityClassifier(**SMALL_CLASSIFIER).fit(pipe[0].transform([]), [])


def test_the_classifier_refuses_what_is_not_tokenized(pipe):
    classifier = pipe[-1]
    with pytest.raises(TypeError, match=r"got raw text\. Put HierarchicalTokenizer in front"):
        classifier.predict(["Goal scored."])
    with pytest.raises(TypeError, match=r"expects TokenizedDocuments.*; got NoneType"):
        classifier.predict(None)
    with pytest.raises(TypeError, match=r"expects TokenizedDocuments.*; got list"):
        classifier.predict([[[[2, 3]]]])


def test_documents_of_another_vocabulary_are_refused(pipe):
    other = HierarchicalTokenizer(sentence_model="untrained").fit(["entirely other words"])
    with pytest.raises(ValueError, match=r"tokenized with a different vocabulary \(3 words\)"):
        pipe[-1].predict(other.transform(TEXTS))
    same_size = TokenizedDocuments.from_nested(
        [[[[2, 3]]]], {f"w{i}": i for i in range(2, len(pipe[0].vocabulary_) + 2)}
    )
    with pytest.raises(ValueError, match="different vocabulary"):
        pipe[-1].predict_proba(same_size)


# --- labels ------------------------------------------------------------------------


def test_one_class_is_refused():
    with pytest.raises(
        ValueError, match="number of classes has to be greater than one; got 1 class"
    ):
        make_mgm_pipeline(**SMALL).fit(TEXTS, ["sport"] * len(TEXTS))


def test_labels_of_the_wrong_length_are_refused(pipe):
    message = r"inconsistent numbers of samples: \[12, 5\]"
    with pytest.raises(ValueError, match=message):
        make_mgm_pipeline(**SMALL).fit(TEXTS, LABELS[:5])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[5, 12\]"):
        pipe.score(TEXTS, LABELS[:5])
    with pytest.raises(ValueError, match="requires y to be passed, but y is None"):
        make_mgm_pipeline(**SMALL).fit(TEXTS, None)


def test_labels_unseen_in_fit_count_as_wrong_when_scoring(pipe):
    y = np.array(LABELS, dtype=object)
    y[:4] = "weather"
    predictions = pipe.predict(TEXTS)
    # no error, and the four relabelled documents count as wrong, the others as before
    assert pipe.score(TEXTS, y) == pytest.approx(np.sum(predictions[4:] == y[4:]) / 12)
    assert pipe.score(TEXTS, LABELS) == pytest.approx(np.mean(predictions == LABELS))


# --- the command line --------------------------------------------------------------


def write_jsonl(path, texts):
    path.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
    return str(path)


def test_cli_predicts_one_row_per_odd_document_in_order(pipe, model_dir, tmp_path):
    texts = ["Goal scored.", *ACCEPTED.values(), "Shares fell."]
    source = write_jsonl(tmp_path / "odd.jsonl", texts)
    out = tmp_path / "out.csv"
    assert main(["predict", "--model", model_dir, "--csv", source, "--output", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["prediction"] for row in rows] == pipe.predict(texts).tolist()
    np.testing.assert_allclose(
        [float(row["proba_sport"]) for row in rows], pipe.predict_proba(texts)[:, 1], rtol=1e-6
    )


def test_cli_reads_a_five_megabyte_csv_field(pipe, model_dir, tmp_path, capsys):
    source = tmp_path / "big.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["text"], [FIVE_MB], ["Goal scored."]])
    assert main(["predict", "--model", model_dir, "--csv", str(source)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction,proba_money,proba_sport"
    assert [line.split(",")[0] for line in lines[1:]] == pipe.predict(
        [FIVE_MB, "Goal scored."]
    ).tolist()


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "row 2: 'text' is None, not text."),
        (7, "row 2: 'text' is 7, not text."),
        (["a"], r"row 2: 'text' is \['a'\], not text."),
    ],
)
def test_cli_names_the_row_of_a_missing_text(model_dir, tmp_path, capsys, value, message):
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps({"text": "fine"}) + "\n" + json.dumps({"text": value}) + "\n")
    assert main(["predict", "--model", model_dir, "--csv", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err), err


# --- property-based ----------------------------------------------------------------

# Any code point, lone surrogates included, with sentence and paragraph breaks often.
ANY_CHARACTER = (
    st.characters(codec=None, exclude_categories=())
    | st.characters(categories=["Cs", "Cc", "Zl", "Zp"])
    | st.sampled_from([*".!?\n '-", "\n\n", "Dr.", "U.S."])
)
ANY_TEXT = st.lists(ANY_CHARACTER, max_size=40).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fit_texts=st.lists(ANY_TEXT, min_size=1, max_size=5),
    texts=st.lists(ANY_TEXT, max_size=5),
    sentence_model=st.sampled_from(["untrained", "trained"]),
    word_tokenizer=st.sampled_from(["regexp", "whitespace", "wordpunct"]),
)
def test_any_text_tokenizes_to_one_document_with_known_ids(
    fit_texts, texts, sentence_model, word_tokenizer
):
    tokenizer = HierarchicalTokenizer(sentence_model=sentence_model, word_tokenizer=word_tokenizer)
    try:
        fitted = tokenizer.fit_transform(fit_texts)
    except ValueError as error:
        assert "empty vocabulary" in str(error)
        return
    assert len(fitted) == len(fit_texts)
    assert not np.any(fitted.word_ids == UNKNOWN_ID)  # nothing pruned: every word is known
    X = tokenizer.transform(texts)
    assert len(X) == len(texts)
    assert X.word_ids.size == 0 or (X.word_ids.min() >= 1 and X.word_ids.max() < X.vocabulary_size)
    assert len(tokenizer.inverse_transform(X)) == len(texts)
    assert tokenizer.transform(fit_texts) == fitted


SENTENCE = st.lists(st.integers(2, 9), max_size=4)
DOCUMENT = st.lists(st.lists(SENTENCE, max_size=3), max_size=3)
VOCABULARY = {f"w{i}": i for i in range(2, 10)}


@settings(max_examples=100, deadline=None)
@given(documents=st.lists(DOCUMENT, max_size=6), data=st.data())
def test_nested_documents_round_trip_through_the_container(documents, data):
    X = TokenizedDocuments.from_nested(documents, VOCABULARY)
    assert len(X) == len(documents) and list(X) == documents
    assert X.n_paragraphs.tolist() == [len(d) for d in documents]
    assert X.n_sentences.tolist() == [sum(map(len, d)) for d in documents]
    assert X.n_words.tolist() == [sum(len(s) for p in d for s in p) for d in documents]
    if documents:
        positions = data.draw(st.lists(st.integers(-len(documents), len(documents) - 1)))
        assert list(X[positions]) == [documents[i] for i in positions]
        mask = data.draw(st.lists(st.booleans(), min_size=len(documents), max_size=len(documents)))
        assert list(X[np.array(mask, dtype=bool)]) == [d for d, m in zip(documents, mask) if m]
    start, stop = data.draw(st.integers(-8, 8)), data.draw(st.integers(-8, 8))
    assert list(X[start:stop]) == documents[start:stop]


@settings(max_examples=60, deadline=None)
@given(
    documents=st.lists(DOCUMENT, min_size=1, max_size=4),
    data=st.data(),
    bad=st.sampled_from([2.5, "w2", None, True, [2]]),
)
def test_a_bad_word_id_is_named_by_its_place(documents, data, bad):
    d = data.draw(st.integers(0, len(documents) - 1))
    document = [[list(s) for s in p] for p in documents[d]] + [[[2, bad]]]
    documents = [*documents[:d], document, *documents[d + 1 :]]
    where = f"Word 1 of document {d}, paragraph {len(document) - 1}, sentence 0"
    with pytest.raises(TypeError, match=f"{where} is .*; word ids must be integers"):
        TokenizedDocuments.from_nested(documents, VOCABULARY)


@pytest.mark.parametrize(
    "documents, message",
    [
        (None, "documents is NoneType; expected a list"),
        ("text", "documents is str; expected a list"),
        ([[[2, 3]]], "document 0, paragraph 0, sentence 0 is int; expected a list"),
        ([[[[2]]], 5], "document 1 is int; expected a list"),
        ([[[[2]], {"a": 1}]], "document 0, paragraph 1 is dict; expected a list"),
    ],
)
def test_a_wrong_nesting_is_named_by_its_place(documents, message):
    with pytest.raises(TypeError, match=message):
        TokenizedDocuments.from_nested(documents, VOCABULARY)


# --- training ----------------------------------------------------------------------


def test_a_nan_loss_stops_training_with_a_clear_error():
    texts, y = make_hierarchical_documents(24, random_state=0)
    pipe = make_mgm_pipeline(**{**SMALL, "lr": 1e30, "max_epochs": 3})
    with pytest.raises(
        FloatingPointError, match=r"loss became nan at epoch 1, batch \d+\. .*lower lr"
    ):
        pipe.fit(texts, y)
    # without the check, the same run ends quietly with a useless model
    unchecked = pipe.set_params(classifier__callbacks__finite_loss=None).fit(texts, y)
    assert np.isnan(unchecked.predict_proba(texts)).all()


def test_same_seed_same_model_through_save_and_load(tmp_path):
    texts, y = make_hierarchical_documents(24, random_state=0)
    first = make_mgm_pipeline(**SMALL).fit(texts, y)
    save(first, tmp_path / "m")
    second = make_mgm_pipeline(**SMALL).fit(texts, y)
    np.testing.assert_array_equal(
        load(tmp_path / "m").predict_proba(texts), second.predict_proba(texts)
    )


class InterruptAtEpoch(Callback):
    """Raise KeyboardInterrupt, as Ctrl-C does, at the end of an epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_the_epochs_done(tmp_path):
    texts, y = make_hierarchical_documents(24, random_state=0)
    # a constant lr, so that two epochs of a 5-epoch run equal a 2-epoch run
    constant = {**SMALL, "callbacks__lr_scheduler": None}
    pipe = make_mgm_pipeline(**{**constant, "max_epochs": 5}, callbacks=[InterruptAtEpoch(2)])
    pipe.fit(texts, y)
    assert len(pipe[-1].history) == 2
    two_epochs = make_mgm_pipeline(**constant).fit(texts, y)
    np.testing.assert_array_equal(pipe.predict_proba(texts), two_epochs.predict_proba(texts))


def test_checkpoints_resume_weights_history_and_training(tmp_path):
    texts, y = make_hierarchical_documents(24, random_state=0)
    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path / "checkpoints"))
    # the default cosine schedule ends at max_epochs; resuming past it needs another lr
    resumable = {**SMALL, "callbacks__lr_scheduler": None}
    first = make_mgm_pipeline(**resumable, callbacks=[checkpoint]).fit(texts, y)
    # max_epochs=0: only what LoadInitState restores
    restored = make_mgm_pipeline(
        **{**resumable, "max_epochs": 0}, callbacks=[LoadInitState(checkpoint)]
    ).fit(texts, y)
    np.testing.assert_array_equal(restored.predict_proba(texts), first.predict_proba(texts))
    assert restored[-1].history.to_list() == first[-1].history.to_list()
    resumed = make_mgm_pipeline(
        **{**resumable, "max_epochs": 1}, callbacks=[checkpoint, LoadInitState(checkpoint)]
    ).fit(texts, y)
    assert resumed[-1].history[:, "epoch"] == [1, 2, 3]
    assert not np.array_equal(resumed.predict_proba(texts), first.predict_proba(texts))
    # the resumed run saved its third epoch
    again = make_mgm_pipeline(
        **{**resumable, "max_epochs": 0}, callbacks=[LoadInitState(checkpoint)]
    ).fit(texts, y)
    assert len(again[-1].history) == 3
    np.testing.assert_array_equal(again.predict_proba(texts), resumed.predict_proba(texts))
