"""Save and load fitted models as JSON and safetensors, never with pickle.

A model is saved as a directory::

    model/
      manifest.json            format name and version, kind, SHA-256 of every other file
      pipeline.json            Pipeline parameters and step names      (kind "pipeline")
      tokenizer.json           HierarchicalTokenizer parameters, vocabulary, Punkt parameters
      classifier.json          classifier parameters, labels, vocabulary, training history
      classifier.safetensors   the network's weights

Loading only parses JSON and safetensors, so a file from an untrusted source
cannot run code. Parameters that are classes (``optimizer=torch.optim.Adam``)
are stored by name and decoded only from the modules in
``sklearn_mgm.json_values.ALLOWED_CLASS_MODULES``.
"""

import hashlib
import json
import os
import secrets
import shutil
import warnings
from collections import defaultdict

import numpy as np
import safetensors
import safetensors.torch
import torch
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from .cjk import JIEBA_MISSING, jieba_available
from .classifier import MultiGranularityClassifier
from .granularities import check_granularities
from .json_values import (
    decode_labels,
    decode_params,
    decode_vocabulary,
    encode_labels,
    encode_params,
    encode_vocabulary,
    json_bytes,
)
from .labels import IndicatorEncoder
from .tokenize import HierarchicalTokenizer

FORMAT_NAME = "sklearn-mgm"
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
KIND_FILES = {
    "tokenizer": ("tokenizer.json",),
    "classifier": ("classifier.json", "classifier.safetensors"),
    "pipeline": ("pipeline.json", "tokenizer.json", "classifier.json", "classifier.safetensors"),
}


def save(estimator, path, *, overwrite=False):
    """Save a fitted tokenizer, classifier or MGM pipeline to a directory, without pickle.

    Parameters
    ----------
    estimator : HierarchicalTokenizer, MultiGranularityClassifier or Pipeline
        Fitted; a Pipeline must be a HierarchicalTokenizer followed by a
        MultiGranularityClassifier, as :func:`~sklearn_mgm.make_mgm_pipeline`
        builds. Every parameter must be a number, string, list, tuple, dict,
        array or a class from ``sklearn_mgm.json_values.ALLOWED_CLASS_MODULES``.
    path : str or path-like
        The directory to write. It must not exist, be empty, or (with
        ``overwrite=True``) hold a model saved before.
    overwrite : bool, default=False
        Replace a model saved at ``path`` before. The old model is removed
        only once the new one is in place.

    Raises
    ------
    TypeError
        For another kind of estimator, or a parameter that cannot be stored
        without pickle (a callback object, a function), naming it.
    FileExistsError
        When ``path`` exists and may not be replaced.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_mgm import HierarchicalTokenizer, load, save
    >>> tokenizer = HierarchicalTokenizer(sentence_model="untrained").fit(["A cat. A dog."])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(tokenizer, folder + "/model")
    ...     load(folder + "/model").vocabulary_
    {'a': 2, 'cat': 3, 'dog': 4}
    """
    kind, files = _serialize(estimator)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "sklearn_mgm_version": _library_version(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    files[MANIFEST] = json_bytes(manifest)
    _write_directory(os.path.normpath(os.fspath(path)), files, overwrite)


def load(path, *, kind=None):
    """Load a model written by :func:`save`; nothing is unpickled.

    Every file is checked against the SHA-256 checksum in the manifest first.
    A model saved with ``device="cuda"`` loads on a machine without CUDA on
    the CPU, with a warning.

    Parameters
    ----------
    path : str or path-like
        The directory written by :func:`save`.
    kind : {"tokenizer", "classifier", "pipeline"} or None, default=None
        The kind of model expected; ``None`` accepts any.

    Returns
    -------
    HierarchicalTokenizer, MultiGranularityClassifier or Pipeline
        Fitted, predicting exactly as the saved one did.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        For a directory not written by :func:`save`, a file changed or
        truncated since, a format version other than ``FORMAT_VERSION`` or
        another kind than ``kind``; the message names the file.

    Examples
    --------
    >>> from sklearn_mgm import load
    >>> load("no/such/model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/model: no such model directory.
    """
    path = os.fspath(path)
    if kind is not None and kind not in KIND_FILES:
        raise ValueError(f"kind must be one of {sorted(KIND_FILES)} or None; got {kind!r}.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such model directory.")
    manifest_path = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest_path):
        raise ValueError(
            f"{path}: not a model saved by sklearn_mgm.save (it has no {MANIFEST}); pass the "
            "directory given to save."
        )
    with open(manifest_path, "rb") as handle:
        manifest = _parse_json(handle.read(), manifest_path)
    saved_kind = _check_manifest(manifest, manifest_path, kind)
    contents = {
        name: _read_checked(os.path.join(path, name), digest)
        for name, digest in manifest["files"].items()
    }
    return _LOADERS[saved_kind](contents, path)


def check_can_save(path, *, overwrite=False):
    """Raise the error :func:`save` would raise for ``path``, before any work is done.

    Parameters
    ----------
    path : str or path-like
        Where the model is to be saved.
    overwrite : bool, default=False
        Whether a model saved there before may be replaced.

    Raises
    ------
    FileExistsError
        When ``path`` exists and may not be replaced.
    PermissionError
        When the directory that would hold ``path`` is not writable.

    Examples
    --------
    >>> check_can_save("a/new/model")
    """
    path = os.fspath(path)
    if os.path.lexists(path):
        _check_replaceable(path, overwrite)
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"{parent}: no permission to write there; choose another path.")


# --- what is saved -----------------------------------------------------------------


def _serialize(estimator):
    if type(estimator) is HierarchicalTokenizer:
        return "tokenizer", {"tokenizer.json": json_bytes(_tokenizer_state(estimator))}
    if type(estimator) is MultiGranularityClassifier:
        return "classifier", _classifier_files(estimator)
    if type(estimator) is Pipeline and [type(step) for _, step in estimator.steps] == [
        HierarchicalTokenizer,
        MultiGranularityClassifier,
    ]:
        (tokenizer_name, tokenizer), (classifier_name, classifier) = estimator.steps
        params = estimator.get_params(deep=False)
        del params["steps"]
        state = {
            "params": encode_params(params, "Pipeline"),
            "steps": [tokenizer_name, classifier_name],
        }
        return "pipeline", {
            "pipeline.json": json_bytes(state),
            "tokenizer.json": json_bytes(_tokenizer_state(tokenizer)),
            **_classifier_files(classifier),
        }
    raise TypeError(
        "save stores a fitted HierarchicalTokenizer, a fitted MultiGranularityClassifier or a "
        "Pipeline of the two (make_mgm_pipeline); got "
        f"{_describe(estimator)}. Use joblib.dump for other objects (files you trust only)."
    )


def _describe(estimator):
    if isinstance(estimator, Pipeline):
        return f"a Pipeline of {[type(step).__name__ for _, step in estimator.steps]}"
    return type(estimator).__name__


def _tokenizer_state(tokenizer):
    check_is_fitted(tokenizer, "vocabulary_")
    punkt = tokenizer.sentence_tokenizer_._params
    return {
        "params": encode_params(tokenizer.get_params(), "HierarchicalTokenizer"),
        "vocabulary": encode_vocabulary(tokenizer.vocabulary_),
        "sentence_model": tokenizer.sentence_model_,
        "word_tokenizer": tokenizer.word_tokenizer_,
        "punkt": {
            "abbrev_types": sorted(punkt.abbrev_types),
            "collocations": sorted(map(list, punkt.collocations)),
            "sent_starters": sorted(punkt.sent_starters),
            "ortho_context": dict(sorted(punkt.ortho_context.items())),
        },
    }


def _classifier_files(classifier):
    check_is_fitted(classifier, ["label_encoder_", "module_"])
    params = {k: v for k, v in classifier.get_params(deep=False).items() if not k.startswith("_")}
    if params.get("label_names") is not None:  # e.g. MultiLabelBinarizer's object array
        params["label_names"] = [str(name) for name in params["label_names"]]
    class_weights = getattr(classifier, "class_weights_", None)
    names = getattr(classifier, "label_names_", None)
    state = {
        "params": encode_params(params, "MultiGranularityClassifier"),
        "classes": encode_labels(classifier.classes_),
        "multilabel": classifier.multilabel_,
        "label_names": None if names is None else names.tolist(),
        "vocabulary": encode_vocabulary(classifier.vocabulary_),
        "vocabulary_size": int(classifier.vocabulary_size_),
        "granularities": list(_fused_views(classifier)),
        "class_weights": None if class_weights is None else np.asarray(class_weights).tolist(),
        "embedding_coverage": getattr(classifier, "embedding_coverage_", None),
        "history": classifier.history_.to_list(),
        "interrupted": bool(classifier.interrupted_),
    }
    weights = {
        name: tensor.detach().cpu().contiguous()
        for name, tensor in classifier.module_.state_dict().items()
    }
    return {
        "classifier.json": json_bytes(state, "the classifier's history"),
        "classifier.safetensors": safetensors.torch.save(weights),
    }


def _fused_views(classifier):
    """The views the weights fit (a model pickled before "auto" has no granularities_)."""
    return getattr(classifier, "granularities_", None) or classifier.module_.granularities


# --- writing -----------------------------------------------------------------------


def _write_directory(path, files, overwrite):
    check_can_save(path, overwrite=overwrite)
    partial = f"{path}.partial-{secrets.token_hex(4)}"
    os.makedirs(partial)
    try:
        for name, data in files.items():
            with open(os.path.join(partial, name), "wb") as handle:
                handle.write(data)
        _move_into_place(partial, path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _move_into_place(new, path):
    """Rename ``new`` to ``path``; whatever was at ``path`` is removed only once it is there.

    Should the process die between the two renames, the old model is kept
    whole under its temporary name beside ``path``.
    """
    if not os.path.lexists(path):
        os.replace(new, path)
        return
    old = f"{path}.replaced-{secrets.token_hex(4)}"
    os.replace(path, old)
    try:
        os.replace(new, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old)


def _check_replaceable(path, overwrite):
    if not os.path.isdir(path) or os.path.islink(path):
        raise FileExistsError(f"{path} exists and is not a directory; choose another path.")
    present = set(os.listdir(path))
    if not present:
        return
    model_files = {MANIFEST}.union(*KIND_FILES.values())
    if MANIFEST not in present or not present <= model_files:
        raise FileExistsError(
            f"{path} is a directory that holds other files than a saved model; choose an "
            "empty or new directory."
        )
    if not overwrite:
        raise FileExistsError(
            f"{path} already holds a saved model; pass overwrite=True (sklearn-mgm train "
            "--overwrite) to replace it."
        )


def _library_version():
    from . import __version__

    return __version__


# --- loading -----------------------------------------------------------------------


def _parse_json(data, file_path):
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{file_path}: not valid JSON ({error}).") from None


def _check_manifest(manifest, manifest_path, kind):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"{manifest_path}: not an sklearn-mgm model manifest.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{manifest_path}: invalid format_version {version!r}.")
    saved_by = f"sklearn-mgm {manifest.get('sklearn_mgm_version')}"
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{manifest_path}: saved in format version {version} by {saved_by}; this "
            f"sklearn-mgm ({_library_version()}) reads format version {FORMAT_VERSION} at most. "
            "Upgrade sklearn-mgm to load it."
        )
    if version < FORMAT_VERSION:
        raise ValueError(
            f"{manifest_path}: saved in format version {version} by {saved_by}, a development "
            f"version; this sklearn-mgm ({_library_version()}) reads format version "
            f"{FORMAT_VERSION} only. Train the model again and save it."
        )
    saved_kind = manifest.get("kind")
    if saved_kind not in KIND_FILES:
        raise ValueError(f"{manifest_path}: unknown model kind {saved_kind!r}.")
    if kind is not None and saved_kind != kind:
        raise ValueError(
            f"{manifest_path}: the directory holds a {saved_kind}, not the {kind} expected."
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(KIND_FILES[saved_kind]):
        raise ValueError(
            f"{manifest_path}: the files of a {saved_kind} must be {list(KIND_FILES[saved_kind])}."
        )
    return saved_kind


def _read_checked(file_path, digest):
    try:
        with open(file_path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ValueError(f"{file_path}: missing; the model directory is incomplete.") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(
            f"{file_path}: the SHA-256 checksum does not match the manifest; the file was "
            "changed or truncated after it was saved. Save the model again."
        )
    return data


def _decoding(file_path, decode, *args):
    """Run ``decode``, reporting malformed content as a ValueError naming the file."""
    try:
        return decode(*args)
    except (
        KeyError,
        TypeError,
        ValueError,
        IndexError,
        AttributeError,
        RuntimeError,
        safetensors.SafetensorError,
    ) as error:
        reason = " ".join(str(error).split())  # one line, even for torch's messages
        raise ValueError(
            f"{file_path}: malformed content ({type(error).__name__}: {reason})."
        ) from None


def _load_tokenizer(contents, path):
    file_path = os.path.join(path, "tokenizer.json")
    state = _parse_json(contents["tokenizer.json"], file_path)
    tokenizer = _decoding(file_path, _tokenizer_from_state, state)
    if tokenizer.word_tokenizer_ == "jieba" and not jieba_available():
        raise ValueError(f"{path}: this model cuts Chinese words with jieba. {JIEBA_MISSING}")
    return tokenizer


def _tokenizer_from_state(state):
    tokenizer = _checked(HierarchicalTokenizer(**decode_params(state["params"])))
    punkt = PunktParameters()
    saved = state["punkt"]
    punkt.abbrev_types = set(saved["abbrev_types"])
    punkt.collocations = {tuple(pair) for pair in saved["collocations"]}
    punkt.sent_starters = set(saved["sent_starters"])
    punkt.ortho_context = defaultdict(int, saved["ortho_context"])
    tokenizer.vocabulary_ = decode_vocabulary(state["vocabulary"])
    tokenizer.sentence_model_ = state["sentence_model"]
    # a model saved before "auto" existed named its word tokenizer in its parameters
    tokenizer.word_tokenizer_ = state.get("word_tokenizer", tokenizer.word_tokenizer)
    tokenizer.sentence_tokenizer_ = PunktSentenceTokenizer(punkt)
    return tokenizer


def _checked(estimator):
    """``estimator``, its parameters validated as fit validates them."""
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )
    return estimator


def _load_classifier(contents, path):
    file_path = os.path.join(path, "classifier.json")
    weights_path = os.path.join(path, "classifier.safetensors")
    state = _parse_json(contents["classifier.json"], file_path)
    classifier = _decoding(file_path, _classifier_from_state, state)
    weights = _decoding(weights_path, safetensors.torch.load, contents["classifier.safetensors"])
    _decoding(weights_path, classifier.module_.load_state_dict, weights)
    return classifier


def _classifier_from_state(state):
    params = decode_params(state["params"])
    params["device"] = _available_device(params.get("device", "cpu"))
    # the saved weights hold the embeddings: initialise without reading the vectors again
    pretrained_embeddings = params.pop("pretrained_embeddings", None)
    classifier = _checked(MultiGranularityClassifier(**params))
    classes = decode_labels(state["classes"])
    if state.get("multilabel", False):
        classifier.label_encoder_ = IndicatorEncoder(len(classes))
    else:
        classifier.label_encoder_ = LabelEncoder()
        classifier.label_encoder_.classes_ = classes
    names = state.get("label_names")
    classifier.label_names_ = None if names is None else np.asarray(names, dtype=str)
    classifier.vocabulary_ = decode_vocabulary(state["vocabulary"])
    classifier.vocabulary_size_ = int(state["vocabulary_size"])
    # models saved before "auto" existed fuse the views their parameter names
    views = state.get("granularities", classifier.granularities)
    classifier.granularities_ = check_granularities(views)
    if state["class_weights"] is not None:
        classifier.class_weights_ = np.asarray(state["class_weights"], dtype=np.float64)
    if state["embedding_coverage"] is not None:
        classifier.embedding_coverage_ = state["embedding_coverage"]
    # initialising draws random weights, soon overwritten: leave the caller's RNG alone
    with torch.random.fork_rng(devices=[]):
        classifier.initialize()
    classifier.pretrained_embeddings = pretrained_embeddings
    classifier.history_ = History(state["history"])
    if not isinstance(state["interrupted"], bool):
        raise TypeError("interrupted must be true or false")
    classifier.interrupted_ = state["interrupted"]
    return classifier


def _load_pipeline(contents, path):
    file_path = os.path.join(path, "pipeline.json")
    state = _parse_json(contents["pipeline.json"], file_path)
    tokenizer = _load_tokenizer(contents, path)
    classifier = _load_classifier(contents, path)
    if classifier.vocabulary_ == tokenizer.vocabulary_:
        # one shared dict, as after fit, so the classifier's vocabulary check is instant
        classifier.vocabulary_ = tokenizer.vocabulary_
    return _decoding(file_path, _pipeline_from_state, state, tokenizer, classifier)


def _pipeline_from_state(state, tokenizer, classifier):
    tokenizer_name, classifier_name = state["steps"]
    steps = [(tokenizer_name, tokenizer), (classifier_name, classifier)]
    return Pipeline(steps, **decode_params(state["params"]))


_LOADERS = {
    "tokenizer": _load_tokenizer,
    "classifier": _load_classifier,
    "pipeline": _load_pipeline,
}


def _available_device(device):
    kind = None if device is None else torch.device(device).type
    available = {
        "cuda": torch.cuda.is_available,
        "mps": torch.backends.mps.is_available,
    }.get(kind, lambda: True)()
    if available:
        return device
    warnings.warn(
        f"The model was saved with device={device!r}, which is not available here; it is "
        "loaded on the CPU (device='cpu').",
        UserWarning,
        stacklevel=2,
    )
    return "cpu"
