"""JSON encoding of estimator parameters, labels and vocabularies, and its safe decoding.

Parameters that are classes (``optimizer=torch.optim.Adam``) are stored by name
and decoded only from the modules in ``ALLOWED_CLASS_MODULES``, so decoding
never runs code from the data.
"""

import importlib
import json
import numbers
import os
from collections.abc import Mapping

import numpy as np
import torch

ALLOWED_CLASS_MODULES = (
    "sklearn_mgm",
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
    "skorch.dataset",
)
LABEL_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


def _encode_params(params, owner):
    return {name: _encode(value, f"{owner} parameter {name!r}") for name, value in params.items()}


def _encode(value, where):
    """A parameter value as JSON data; tuples, dicts, arrays and classes are tagged."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (numbers.Integral, np.bool_)):
        return value.item() if isinstance(value, np.generic) else int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list):
        return [_encode(item, where) for item in value]
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [_encode(item, where) for item in value]}
    if isinstance(value, Mapping):
        items = [[_encode(k, where), _encode(v, where)] for k, v in value.items()]
        return {"type": "dict", "items": items}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return {"type": "ndarray", "dtype": value.dtype.str, "items": value.tolist()}
    if isinstance(value, type):
        return {"type": "class", "module": value.__module__, "name": _class_name(value, where)}
    raise TypeError(
        f"Cannot save {where} = {value!r} without pickle: parameters must be numbers, "
        f"strings, lists, tuples, dicts, arrays or classes from {ALLOWED_CLASS_MODULES}. Set "
        "it to such a value (e.g. None) before saving, or use joblib.dump for files you trust."
    )


def _class_name(cls, where):
    name = cls.__qualname__
    try:
        allowed = _import_class(cls.__module__, name) is cls
    except ValueError:
        allowed = False
    if not allowed:
        raise TypeError(
            f"Cannot save {where} = {cls.__module__}.{name}: only classes importable from "
            f"{ALLOWED_CLASS_MODULES} can be stored by name. Use joblib.dump for files you "
            "trust instead."
        )
    return name


def _encode_labels(classes):
    if classes.dtype.kind in "biufU":
        return {"dtype": classes.dtype.str, "values": classes.tolist()}
    values = [value.item() if isinstance(value, np.generic) else value for value in classes]
    names = {kind: name for name, kind in LABEL_TYPES.items()}
    if any(type(value) not in names for value in values):
        bad = next(value for value in values if type(value) not in names)
        raise TypeError(
            f"Cannot save the class label {bad!r} ({type(bad).__name__}): labels must be str, "
            "int, float or bool."
        )
    return {"dtype": "object", "values": values, "types": [names[type(v)] for v in values]}


def _encode_vocabulary(vocabulary):
    if not all(isinstance(word, str) for word in vocabulary):
        bad = next(word for word in vocabulary if not isinstance(word, str))
        raise TypeError(f"Cannot save a vocabulary word that is not a str: {bad!r}.")
    return {word: int(index) for word, index in vocabulary.items()}


def _json_bytes(data, what="the data"):
    def default(value):
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(
            f"Cannot save {what}: it holds {value!r} ({type(value).__name__}), which JSON "
            "cannot store."
        )

    # ASCII escapes keep any str, lone surrogates included, loadable
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), default=default).encode()


def _decode_params(params):
    if not isinstance(params, dict):
        raise TypeError("params must be a JSON object")
    return {name: _decode(value) for name, value in params.items()}


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value["type"]
    if tag == "tuple":
        return tuple(_decode(item) for item in value["items"])
    if tag == "dict":
        return {_decode(k): _decode(v) for k, v in value["items"]}
    if tag == "ndarray":
        return np.array(value["items"], dtype=np.dtype(value["dtype"]))
    if tag == "class":
        return _import_class(value["module"], value["name"])
    raise ValueError(f"unknown tagged value {tag!r}")


def _import_class(module_name, name):
    """The class ``module_name.name``, imported only from an allowed module."""
    allowed = any(
        module_name == prefix or module_name.startswith(prefix + ".")
        for prefix in ALLOWED_CLASS_MODULES
    )
    if not allowed or not all(part.isidentifier() for part in name.split(".")):
        raise ValueError(
            f"class {module_name}.{name} is not allowed; only classes from "
            f"{ALLOWED_CLASS_MODULES} are loaded"
        )
    try:
        found = importlib.import_module(module_name)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise ValueError(f"class {module_name}.{name} does not exist here") from None
    if not isinstance(found, type):
        raise ValueError(f"{module_name}.{name} is not a class")
    return found


def _decode_labels(saved):
    if saved["dtype"] != "object":
        dtype = np.dtype(saved["dtype"])
        if dtype.kind not in "biufU":
            raise ValueError(f"unsupported label dtype {saved['dtype']!r}")
        return np.array(saved["values"], dtype=dtype)
    values = [LABEL_TYPES[kind](v) for kind, v in zip(saved["types"], saved["values"], strict=True)]
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


def _decode_vocabulary(saved):
    if not isinstance(saved, dict) or not all(isinstance(i, int) for i in saved.values()):
        raise TypeError("a vocabulary must be a JSON object of word to integer id")
    return saved
