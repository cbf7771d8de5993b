"""Estimator parameters, class labels and vocabularies as JSON data, and back.

Saving (``sklearn_mgm.persistence``) stores everything but the weights as
JSON. Values JSON lacks are tagged: tuples, dicts with non-string keys, NumPy
arrays and classes (stored by module and name). Decoding builds only data,
and imports classes only from the modules in ``ALLOWED_CLASS_MODULES``, so a
forged file cannot make loading run code.
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
_LABEL_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


def encode_params(params, owner):
    """Estimator parameters as JSON data (see :func:`encode_value`).

    Parameters
    ----------
    params : dict
        ``get_params()`` of an estimator.
    owner : str
        The estimator's name, for messages.

    Returns
    -------
    dict

    Examples
    --------
    >>> encode_params({"ngram_range": (1, 2), "min_df": 2}, "TfidfVectorizer")
    {'ngram_range': {'type': 'tuple', 'items': [1, 2]}, 'min_df': 2}
    """
    return {
        name: encode_value(value, f"{owner} parameter {name!r}") for name, value in params.items()
    }


def encode_value(value, where):
    """A parameter value as JSON data; tuples, dicts, arrays and classes are tagged.

    Raises TypeError, naming ``where``, for a value that only pickle could store.

    Examples
    --------
    >>> import torch
    >>> encode_value(torch.optim.Adam, "optimizer")
    {'type': 'class', 'module': 'torch.optim.adam', 'name': 'Adam'}
    """
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
        return [encode_value(item, where) for item in value]
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [encode_value(item, where) for item in value]}
    if isinstance(value, Mapping):
        items = [[encode_value(k, where), encode_value(v, where)] for k, v in value.items()]
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
        allowed = import_allowed_class(cls.__module__, name) is cls
    except ValueError:
        allowed = False
    if not allowed:
        raise TypeError(
            f"Cannot save {where} = {cls.__module__}.{name}: only classes importable from "
            f"{ALLOWED_CLASS_MODULES} can be stored by name. Use joblib.dump for files you "
            "trust instead."
        )
    return name


def encode_labels(classes):
    """Class labels (an array of numbers, strings or Python scalars) as JSON data.

    Examples
    --------
    >>> encode_labels(np.array(["ham", "spam"]))
    {'dtype': '<U4', 'values': ['ham', 'spam']}
    """
    if classes.dtype.kind in "biufU":
        return {"dtype": classes.dtype.str, "values": classes.tolist()}
    values = [value.item() if isinstance(value, np.generic) else value for value in classes]
    names = {kind: name for name, kind in _LABEL_TYPES.items()}
    if any(type(value) not in names for value in values):
        bad = next(value for value in values if type(value) not in names)
        raise TypeError(
            f"Cannot save the class label {bad!r} ({type(bad).__name__}): labels must be str, "
            "int, float or bool."
        )
    return {"dtype": "object", "values": values, "types": [names[type(v)] for v in values]}


def encode_vocabulary(vocabulary):
    """A vocabulary (dict of str to id) as JSON data; raises TypeError for other words.

    Examples
    --------
    >>> encode_vocabulary({"goal": np.int64(2)})
    {'goal': 2}
    """
    if not all(isinstance(word, str) for word in vocabulary):
        bad = next(word for word in vocabulary if not isinstance(word, str))
        raise TypeError(f"Cannot save a vocabulary word that is not a str: {bad!r}.")
    return {word: int(index) for word, index in vocabulary.items()}


def json_bytes(data, what="the data"):
    """Compact ASCII JSON bytes of ``data``; NumPy scalars become Python ones.

    Examples
    --------
    >>> json_bytes({"n": np.int64(3), "words": ["a", "b"]})
    b'{"n":3,"words":["a","b"]}'
    """

    def default(value):
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(
            f"Cannot save {what}: it holds {value!r} ({type(value).__name__}), which JSON "
            "cannot store."
        )

    # ASCII escapes keep any str, lone surrogates included, loadable
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), default=default).encode()


def decode_params(params):
    """Parameters from :func:`encode_params`, back to Python values.

    Examples
    --------
    >>> decode_params({"ngram_range": {"type": "tuple", "items": [1, 2]}})
    {'ngram_range': (1, 2)}
    """
    if not isinstance(params, dict):
        raise TypeError("params must be a JSON object")
    return {name: decode_value(value) for name, value in params.items()}


def decode_value(value):
    """A value from :func:`encode_value`; classes only from ``ALLOWED_CLASS_MODULES``.

    Examples
    --------
    >>> decode_value({"type": "class", "module": "torch.optim", "name": "SGD"})
    <class 'torch.optim.sgd.SGD'>
    """
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value["type"]
    if tag == "tuple":
        return tuple(decode_value(item) for item in value["items"])
    if tag == "dict":
        return {decode_value(k): decode_value(v) for k, v in value["items"]}
    if tag == "ndarray":
        return np.array(value["items"], dtype=np.dtype(value["dtype"]))
    if tag == "class":
        return import_allowed_class(value["module"], value["name"])
    raise ValueError(f"unknown tagged value {tag!r}")


def import_allowed_class(module_name, name):
    """The class ``module_name.name``, imported only from an allowed module.

    Examples
    --------
    >>> import_allowed_class("os", "PathLike")
    Traceback (most recent call last):
    ...
    ValueError: class os.PathLike is not allowed; only classes from ('sklearn_mgm', \
'torch.nn', 'torch.optim', 'torch.utils.data', 'skorch.dataset') are loaded
    """
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


def decode_labels(saved):
    """Class labels from :func:`encode_labels`, as an array.

    Examples
    --------
    >>> decode_labels({"dtype": "object", "values": [1, "a"], "types": ["int", "str"]})
    array([1, 'a'], dtype=object)
    """
    if saved["dtype"] != "object":
        dtype = np.dtype(saved["dtype"])
        if dtype.kind not in "biufU":
            raise ValueError(f"unsupported label dtype {saved['dtype']!r}")
        return np.array(saved["values"], dtype=dtype)
    values = [
        _LABEL_TYPES[kind](v) for kind, v in zip(saved["types"], saved["values"], strict=True)
    ]
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


def decode_vocabulary(saved):
    """A vocabulary from :func:`encode_vocabulary`; raises TypeError for anything else.

    Examples
    --------
    >>> decode_vocabulary({"goal": 2})
    {'goal': 2}
    """
    if not isinstance(saved, dict) or not all(isinstance(i, int) for i in saved.values()):
        raise TypeError("a vocabulary must be a JSON object of word to integer id")
    return saved
