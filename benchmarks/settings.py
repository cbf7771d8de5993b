"""Pipeline parameters given on a benchmark's command line as ``--set NAME=VALUE``."""

import ast


def add_settings_argument(parser):
    """Add the repeatable ``--set NAME=VALUE`` option (VALUE a Python literal) to ``parser``."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a pipeline parameter (a Python literal), e.g. module__bigram_buckets=65536",
    )


def parse_settings(settings):
    """The ``--set`` values as a dict of parameter name to value.

    Examples
    --------
    >>> parse_settings(["max_epochs=6", "granularities=('bag',)"])
    {'max_epochs': 6, 'granularities': ('bag',)}
    """
    params = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        params[name.strip()] = ast.literal_eval(value.strip())
    return params
