"""Pipeline parameters given on a benchmark's command line as ``--set NAME=VALUE``."""

import ast
import importlib


def add_settings_argument(parser):
    """Add the repeatable ``--set NAME=VALUE`` option (VALUE a Python literal) to ``parser``."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=(
            "a pipeline parameter (a Python literal, or a dotted name such as "
            "torch.optim.AdamW), e.g. module__bigram_buckets=65536"
        ),
    )


def parse_settings(settings):
    """The ``--set`` values as a dict of parameter name to value.

    A value that is not a Python literal is read as ``module.attribute``, so
    that a class (an optimizer, a criterion) can be set.

    Examples
    --------
    >>> parse_settings(["max_epochs=6", "granularities=('bag',)"])
    {'max_epochs': 6, 'granularities': ('bag',)}
    >>> parse_settings(["optimizer=torch.optim.AdamW"])["optimizer"].__name__
    'AdamW'
    """
    params = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        params[name.strip()] = _value(value.strip())
    return params


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        module, _, attribute = text.rpartition(".")
        if not module:
            raise ValueError(f"{text!r} is neither a Python literal nor a dotted name.") from None
        return getattr(importlib.import_module(module), attribute)
