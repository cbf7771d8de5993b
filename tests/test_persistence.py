import hashlib
import json
import os
import pickle
import re

import numpy as np
import pytest
import safetensors.torch
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback, ProgressBar

import sklearn_mgm
from sklearn_mgm import (
    HierarchicalTokenizer,
    MultiGranularityClassifier,
    load,
    make_mgm_pipeline,
    save,
)
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.persistence import FORMAT_VERSION, check_can_save

SMALL = dict(embedding_dim=8, hidden_size=8, max_epochs=2, random_state=0, batch_size=8)
# Abbreviations and sentence starters give the trained Punkt model parameters to keep.
TEXTS = [
    f"Dr. Brown met Mr. Lee at {i} p.m. on Jan. {i}. They talked.\n\nThe U.S. team won {i} games."
    for i in range(10)
] + [
    f"Shares fell {i} points. Investors sold.\n\nDr. Brown said so. The Fed waited."
    for i in range(10)
]
LABELS = ["sport"] * 10 + ["money"] * 10


class CtrlCAfterFirstEpoch(Callback):
    """Raise KeyboardInterrupt where Ctrl-C would: inside the training loop."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def pipe():
    return make_mgm_pipeline(sentence_model="trained", max_df=0.9, **SMALL).fit(TEXTS, LABELS)


def saved_files(path):
    return sorted(os.listdir(path))


def edit_manifest(path, edit):
    manifest = json.loads((path / "manifest.json").read_text())
    edit(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def rewrite(path, name, change):
    """Change a saved file and update its checksum, as a forger would."""
    data = change((path / name).read_bytes())
    (path / name).write_bytes(data)
    edit_manifest(path, lambda manifest: manifest["files"].update({name: sha256(data)}))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def edit_json(path, name, edit):
    def change(data):
        content = json.loads(data)
        edit(content)
        return json.dumps(content).encode()

    rewrite(path, name, change)


def test_pipeline_round_trip_predicts_identically(tmp_path, pipe):
    save(pipe, tmp_path / "model")
    assert saved_files(tmp_path / "model") == [
        "classifier.json",
        "classifier.safetensors",
        "manifest.json",
        "pipeline.json",
        "tokenizer.json",
    ]
    restored = load(tmp_path / "model")
    assert isinstance(restored, Pipeline)
    assert [name for name, _ in restored.steps] == ["tokenizer", "classifier"]
    new_texts = ["Dr. Brown scored. Fans cheered!", "", "Shares fell again."]
    for texts in (TEXTS, new_texts):
        np.testing.assert_array_equal(restored.predict_proba(texts), pipe.predict_proba(texts))
        assert restored.predict(texts).tolist() == pipe.predict(texts).tolist()
    for original, loaded in zip(pipe.named_steps.values(), restored.named_steps.values()):
        expected = {
            k: v for k, v in original.get_params(deep=False).items() if k != "_params_to_validate"
        }
        params = {
            k: v for k, v in loaded.get_params(deep=False).items() if k != "_params_to_validate"
        }
        assert repr(params) == repr(expected)
    assert restored[-1].history.to_list() == pipe[-1].history.to_list()
    assert restored[-1].vocabulary_ is restored[0].vocabulary_


def test_tokenizer_keeps_punkt_parameters_and_the_pruned_vocabulary(tmp_path, pipe):
    tokenizer = pipe[0]
    punkt = tokenizer.sentence_tokenizer_._params
    assert {"dr", "mr"} <= punkt.abbrev_types
    assert "brown" not in tokenizer.vocabulary_  # in every text, so above max_df
    save(tokenizer, tmp_path / "tokenizer")
    restored = load(tmp_path / "tokenizer", kind="tokenizer")
    assert type(restored) is HierarchicalTokenizer
    restored_punkt = restored.sentence_tokenizer_._params
    for name in ("abbrev_types", "collocations", "sent_starters", "ortho_context"):
        assert getattr(restored_punkt, name) == getattr(punkt, name)
    assert restored.vocabulary_ == tokenizer.vocabulary_
    assert restored.sentence_model_ == "trained"
    assert restored.transform(TEXTS) == tokenizer.transform(TEXTS)


def test_any_characters_in_the_vocabulary_survive(tmp_path):
    texts = ["lone \ud800 surrogate nul\x00 byte", "emoji 🎉 arabic مرحبا cjk 北京 \x1b[0m"]
    tokenizer = HierarchicalTokenizer(sentence_model="untrained", word_tokenizer="whitespace")
    X = tokenizer.fit_transform(texts)
    assert "\ud800" in tokenizer.vocabulary_ and "nul\x00" in tokenizer.vocabulary_
    save(tokenizer, tmp_path / "m")
    restored = load(tmp_path / "m")
    assert restored.vocabulary_ == tokenizer.vocabulary_
    assert restored.transform(texts) == X


@pytest.mark.parametrize(
    "classes",
    [
        np.array(["b", "a"]),
        np.array(["b", "a"], dtype=object),
        np.array([7, 3]),
        np.array([2.0, 1.0]),
        np.array([True, False]),
    ],
    ids=["str", "object", "int", "float", "bool"],
)
def test_classifier_alone_returns_labels_of_the_same_type(tmp_path, classes):
    texts, y = make_hierarchical_documents(24, random_state=0)
    labels = classes[y]
    X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    clf = MultiGranularityClassifier(class_weight="balanced", **SMALL).fit(X, labels)
    save(clf, tmp_path / "clf")
    restored = load(tmp_path / "clf", kind="classifier")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    predictions = restored.predict(X)
    assert predictions.dtype == clf.predict(X).dtype
    assert [type(p) for p in predictions] == [type(p) for p in clf.predict(X)]
    assert predictions.tolist() == clf.predict(X).tolist()
    np.testing.assert_array_equal(restored.class_weights_, clf.class_weights_)
    torch.testing.assert_close(restored.criterion_.weight, clf.criterion_.weight)


def test_loaded_model_trains_on_and_clones(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    restored = load(tmp_path / "m")
    X = restored[0].transform(TEXTS)
    restored[-1].partial_fit(X, LABELS)
    assert len(restored[-1].history) == 2 + SMALL["max_epochs"]
    refit = clone(restored).fit(TEXTS, LABELS)
    np.testing.assert_array_equal(refit.predict_proba(TEXTS), pipe.predict_proba(TEXTS))


def test_a_model_whose_training_was_interrupted_says_so_after_loading(tmp_path, pipe):
    texts, y = make_hierarchical_documents(16, random_state=0)
    X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    clf = MultiGranularityClassifier(**SMALL, callbacks=[CtrlCAfterFirstEpoch()]).fit(X, y)
    assert clf.interrupted_ and len(clf.history_) == 1
    save(clf.set_params(callbacks=None), tmp_path / "interrupted")
    restored = load(tmp_path / "interrupted")
    assert restored.interrupted_ is True
    assert restored.history_.to_list() == clf.history_.to_list()
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    save(pipe, tmp_path / "finished")
    assert load(tmp_path / "finished")[-1].interrupted_ is False


def test_classes_from_allowed_modules_round_trip(tmp_path):
    texts, y = make_hierarchical_documents(16, random_state=0)
    pipe = make_mgm_pipeline(
        sentence_model="untrained",
        optimizer=torch.optim.SGD,
        optimizer__momentum=0.9,
        criterion=torch.nn.CrossEntropyLoss,
        criterion__label_smoothing=0.1,
        granularities=("word", "sentence"),
        class_weight={0: 1.0, 1: 2.0},
        **SMALL,
    ).fit(texts, y)
    save(pipe, tmp_path / "m")
    restored = load(tmp_path / "m")
    clf = restored[-1]
    assert clf.optimizer is torch.optim.SGD and clf.optimizer_.defaults["momentum"] == 0.9
    assert clf.criterion_.label_smoothing == 0.1
    assert clf.granularities == ("word", "sentence")
    assert clf.class_weight == {0: 1.0, 1: 2.0}
    np.testing.assert_array_equal(restored.predict_proba(texts), pipe.predict_proba(texts))


def test_loading_never_unpickles(tmp_path, pipe, monkeypatch):
    save(pipe, tmp_path / "m")

    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle")

    for module, name in [
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (torch, "load"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    restored = load(tmp_path / "m")
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), pipe.predict_proba(TEXTS))


def test_manifest_holds_version_kind_and_checksums(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["format"] == "sklearn-mgm"
    assert manifest["format_version"] == FORMAT_VERSION == 4
    assert manifest["kind"] == "pipeline"
    assert manifest["sklearn_mgm_version"] == sklearn_mgm.__version__
    for name, digest in manifest["files"].items():
        assert sha256((tmp_path / "m" / name).read_bytes()) == digest


def test_parameters_that_need_pickle_are_refused_at_save(tmp_path, pipe):
    texts, y = make_hierarchical_documents(16, random_state=0)

    class MyAdam(torch.optim.Adam):
        pass

    cases = [
        (dict(callbacks=[ProgressBar()]), r"parameter 'callbacks' = <skorch.*ProgressBar"),
        (dict(word_tokenizer=str.split), r"HierarchicalTokenizer parameter 'word_tokenizer'"),
        (dict(optimizer=MyAdam), r"'optimizer' = .*MyAdam: only classes importable from"),
    ]
    for params, message in cases:
        model = make_mgm_pipeline(sentence_model="untrained", **SMALL, **params).fit(texts, y)
        with pytest.raises(TypeError, match=message):
            save(model, tmp_path / "m")
    assert os.listdir(tmp_path) == []  # nothing half-written


def test_only_our_fitted_estimators_are_saved(tmp_path, pipe):
    with pytest.raises(TypeError, match=r"got LogisticRegression. Use joblib.dump"):
        save(LogisticRegression(), tmp_path / "m")
    extra = Pipeline([("tokenizer", pipe[0]), ("classifier", pipe[1]), ("more", pipe[1])])
    with pytest.raises(TypeError, match=r"a Pipeline of .*HierarchicalTokenizer"):
        save(extra, tmp_path / "m")
    with pytest.raises(NotFittedError):
        save(HierarchicalTokenizer(), tmp_path / "m")
    with pytest.raises(NotFittedError):
        save(make_mgm_pipeline(), tmp_path / "m")


def test_existing_paths_are_protected(tmp_path, pipe):
    target = tmp_path / "m"
    save(pipe, target)
    with pytest.raises(FileExistsError, match="already holds a saved model; pass overwrite=True"):
        save(pipe, target)
    save(pipe[0], target, overwrite=True)
    assert json.loads((target / "manifest.json").read_text())["kind"] == "tokenizer"
    assert saved_files(target) == ["manifest.json", "tokenizer.json"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="holds other files than a saved model"):
        save(pipe, tmp_path / "notes", overwrite=True)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="exists and is not a directory"):
        check_can_save(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    save(pipe, tmp_path / "empty")
    save(pipe[0], f"{tmp_path}/slash/")
    assert load(tmp_path / "slash").vocabulary_ == pipe[0].vocabulary_
    assert sorted(os.listdir(tmp_path)) == ["empty", "file", "m", "notes", "slash"]


def test_a_failed_overwrite_keeps_the_old_model(tmp_path, pipe, monkeypatch):
    target = tmp_path / "m"
    save(pipe, target)
    replace = os.replace

    def failing_replace(source, destination):
        # the new model is a tokenizer: moving it into place fails, as on a crash
        if os.fspath(destination) == os.fspath(target) and "classifier.json" not in os.listdir(
            source
        ):
            raise OSError("disk on fire")
        replace(source, destination)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        save(pipe[0], target, overwrite=True)
    restored = load(target)
    assert isinstance(restored, Pipeline)
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), pipe.predict_proba(TEXTS))
    assert os.listdir(tmp_path) == ["m"]


def flip_last_byte(data):
    return data[:-1] + bytes([data[-1] ^ 1])


def test_changed_truncated_or_missing_files_are_refused(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    weights = tmp_path / "m" / "classifier.safetensors"
    original = weights.read_bytes()
    weights.write_bytes(flip_last_byte(original))
    with pytest.raises(ValueError, match=r"classifier\.safetensors: the SHA-256 checksum"):
        load(tmp_path / "m")
    weights.write_bytes(original[: len(original) // 2])
    with pytest.raises(ValueError, match="changed or truncated after it was saved"):
        load(tmp_path / "m")
    weights.unlink()
    with pytest.raises(ValueError, match=r"classifier\.safetensors: missing"):
        load(tmp_path / "m")


def test_wrong_or_foreign_directories_are_refused(tmp_path, pipe):
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load(tmp_path / "absent")
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "data.json").write_text("{}")
    with pytest.raises(ValueError, match=r"random: not a model saved by sklearn_mgm.save"):
        load(tmp_path / "random")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"not a model saved by sklearn_mgm.save"):
        load(tmp_path / "file")
    save(pipe[0], tmp_path / "tokenizer")
    with pytest.raises(ValueError, match="holds a tokenizer, not the pipeline expected"):
        load(tmp_path / "tokenizer", kind="pipeline")
    with pytest.raises(ValueError, match="kind must be one of"):
        load(tmp_path / "tokenizer", kind="model")
    manifest = tmp_path / "tokenizer" / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(ValueError, match=r"manifest\.json: not valid JSON"):
        load(tmp_path / "tokenizer")
    manifest.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not an sklearn-mgm model manifest"):
        load(tmp_path / "tokenizer")


def test_a_newer_format_is_refused(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    edit_manifest(tmp_path / "m", lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ValueError, match=rf"format version {FORMAT_VERSION + 1} .* Upgrade"):
        load(tmp_path / "m")


@pytest.mark.parametrize("version", range(1, FORMAT_VERSION))
def test_an_older_development_format_is_refused(tmp_path, pipe, version):
    save(pipe, tmp_path / "m")
    edit_manifest(tmp_path / "m", lambda m: m.update(format_version=version))
    with pytest.raises(
        ValueError,
        match=rf"format version {version} by sklearn-mgm .*, a development version; .* "
        "Train the model again and save it",
    ):
        load(tmp_path / "m")


def test_forged_files_with_matching_checksums_cannot_run_code(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    for module, name in [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen")]:

        def inject(state, module=module, name=name):
            state["params"]["optimizer"] = {"type": "class", "module": module, "name": name}

        edit_json(tmp_path / "m", "classifier.json", inject)
        with pytest.raises(
            ValueError, match=rf"classifier\.json: .*{module}\.{name} is not allowed"
        ):
            load(tmp_path / "m")
    edit_manifest(tmp_path / "m", lambda m: m["files"].update({"../x": "0"}))
    with pytest.raises(ValueError, match="the files of a pipeline must be"):
        load(tmp_path / "m")


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("classifier.json", lambda state: state.update(interrupted="no"), "interrupted must be"),
        (
            "classifier.json",
            lambda state: state["params"].update(hidden_size=0),
            "'hidden_size' parameter of MultiGranularityClassifier must be an int in the range",
        ),
        (
            "tokenizer.json",
            lambda state: state["params"].update(lowercase="yes"),
            "'lowercase' parameter of HierarchicalTokenizer must be an instance of 'bool'",
        ),
        (
            "classifier.json",
            lambda state: state.update(granularities=["word", "letter"]),
            "granularities must be a non-empty tuple",
        ),
    ],
    ids=["interrupted", "classifier parameter", "tokenizer parameter", "views"],
)
def test_forged_values_are_refused(tmp_path, pipe, name, edit, message):
    save(pipe, tmp_path / "m")
    edit_json(tmp_path / "m", name, edit)
    with pytest.raises(ValueError, match=rf"{re.escape(name)}: malformed content .*{message}"):
        load(tmp_path / "m")


def test_forged_weights_of_the_wrong_shape_are_refused(tmp_path, pipe):
    save(pipe, tmp_path / "m")

    def shrink(data):
        weights = safetensors.torch.load(data)
        weights["output.weight"] = weights["output.weight"][:1]
        return safetensors.torch.save(weights)

    rewrite(tmp_path / "m", "classifier.safetensors", shrink)
    with pytest.raises(
        ValueError, match=r"classifier\.safetensors: malformed .* size mismatch for output\.weight"
    ):
        load(tmp_path / "m")
    rewrite(tmp_path / "m", "classifier.safetensors", lambda data: b"not safetensors")
    with pytest.raises(ValueError, match=r"classifier\.safetensors: malformed"):
        load(tmp_path / "m")


@pytest.mark.skipif(
    torch.cuda.is_available(),
    reason="the CPU fallback for a CUDA model happens only where CUDA is missing",
)
def test_a_cuda_model_loads_on_the_cpu_with_a_warning(tmp_path, pipe):
    trained_on_gpu = clone(pipe).fit(TEXTS, LABELS)
    trained_on_gpu[-1].device = "cuda"  # as if fitted with device="cuda"
    save(trained_on_gpu, tmp_path / "m")
    with pytest.warns(UserWarning, match=r"device='cuda', which is not available here"):
        restored = load(tmp_path / "m")
    assert restored[-1].device == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), pipe.predict_proba(TEXTS))


def test_loading_leaves_the_global_random_state_alone(tmp_path, pipe):
    save(pipe, tmp_path / "m")
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    load(tmp_path / "m")
    torch.testing.assert_close(torch.rand(3), expected)


def test_pretrained_vectors_are_not_needed_to_load(tmp_path):
    texts, y = make_hierarchical_documents(16, random_state=0)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("zephyr 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5\nquill 1 0 1 0 1 0 1 0\n")
    pipe = make_mgm_pipeline(
        sentence_model="untrained", pretrained_embeddings=vectors, **SMALL
    ).fit(texts, y)
    save(pipe, tmp_path / "m")
    vectors.unlink()  # the weights hold the embeddings
    restored = load(tmp_path / "m")
    np.testing.assert_array_equal(restored.predict_proba(texts), pipe.predict_proba(texts))
    assert restored[-1].pretrained_embeddings == str(vectors)
    assert restored[-1].embedding_coverage_ == pipe[-1].embedding_coverage_


def test_a_self_attention_encoder_round_trips(tmp_path):
    encoder = ("self-attention", "recurrent", "recurrent")
    model = make_mgm_pipeline(module__encoder=encoder, **SMALL).fit(TEXTS, LABELS)
    save(model, tmp_path / "model")
    restored = load(tmp_path / "model")
    assert restored[-1].get_params()["module__encoder"] == encoder
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_a_bag_of_longer_hashed_ngrams_round_trips(tmp_path):
    params = dict(module__bigram_buckets=256, module__bag_ngrams=4, module__bag_size=8)
    model = make_mgm_pipeline(word_tokenizer="characters", **params, **SMALL).fit(TEXTS, LABELS)
    save(model, tmp_path / "model")
    restored = load(tmp_path / "model")
    assert restored[-1].module_.bag.ngrams == 4
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_a_model_saved_before_auto_fuses_the_views_its_parameter_names(tmp_path):
    model = make_mgm_pipeline(granularities=("word", "sentence"), **SMALL).fit(TEXTS, LABELS)
    save(model, tmp_path / "model")
    edit_json(tmp_path / "model", "classifier.json", lambda state: state.pop("granularities"))
    restored = load(tmp_path / "model")
    assert restored[-1].granularities_ == ("word", "sentence")
    np.testing.assert_array_equal(restored.predict_proba(TEXTS), model.predict_proba(TEXTS))
