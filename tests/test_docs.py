"""The documentation site covers the public API, states the current defaults, and its
navigation is complete (checked without building it)."""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import sklearn_mgm
from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_PAGE = DOCS / "src" / "api.md"
DIRECTIVES = re.findall(r"^::: (\S+)$", API_PAGE.read_text(encoding="utf-8"), flags=re.M)


def resolve(path):
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(f"no module in {path!r}")


def documented_objects():
    return [resolve(path) for path in DIRECTIVES]


def public_definitions():
    """(dotted name, object) of every public class and function defined in a module."""
    found = []
    for info in pkgutil.iter_modules(sklearn_mgm.__path__, "sklearn_mgm."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if obj.__module__ == module.__name__:
                found.append((f"{module.__name__}.{name}", obj))
    return found


def test_every_api_directive_names_an_existing_object():
    assert len(DIRECTIVES) > 20
    for path in DIRECTIVES:
        resolve(path)


@pytest.mark.parametrize("name", sklearn_mgm.__all__)
def test_every_exported_name_is_in_the_api_reference(name):
    obj = getattr(sklearn_mgm, name)
    documented = documented_objects()
    if isinstance(obj, str):  # __version__
        assert f"sklearn_mgm.{name}" in DIRECTIVES
    else:
        assert any(obj is other for other in documented), (
            f"sklearn_mgm.{name} has no '::: ' block in {API_PAGE.name}."
        )


def test_every_public_class_and_function_is_in_the_api_reference():
    documented = documented_objects()
    missing = [
        name for name, obj in public_definitions() if not any(obj is other for other in documented)
    ]
    assert not missing, f"add '::: NAME' blocks to {API_PAGE.name} for {missing}."


def test_the_navigation_and_the_pages_match():
    config = (DOCS / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r"^\s+- [^:\n]+: (\S+\.md)$", config, flags=re.M))
    pages = {path.name for path in (DOCS / "src").glob("*.md")}
    assert nav, "no pages found in the nav of mkdocs.yml"
    assert nav - pages == set(), "pages listed in the nav but missing"
    assert pages - nav == set(), "pages missing from the nav"


def documented_defaults(page):
    """``{name: default as written}`` from the rows ``| `name` | `default` | ... |`` of a page."""
    text = (DOCS / "src" / page).read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", text, flags=re.M))


def matches(written, default):
    if inspect.isclass(default):
        return written.rsplit(".", 1)[-1] == default.__name__
    return ast.literal_eval(written) == default


@pytest.mark.parametrize(
    ("page", "estimator", "names"),
    [
        ("classifier.md", MultiGranularityClassifier, None),
        ("tokenizer.md", HierarchicalTokenizer, ["max_paragraphs", "max_sentences", "max_words"]),
    ],
)
def test_the_parameter_tables_state_the_current_defaults(page, estimator, names):
    signature = inspect.signature(estimator.__init__).parameters.values()
    defaults = {p.name: p.default for p in signature if p.default is not inspect.Parameter.empty}
    written = documented_defaults(page)
    for name in names or defaults:
        assert name in written, f"{page} has no row for {estimator.__name__}'s {name}."
        assert matches(written[name], defaults[name]), (
            f"{page} says {name} defaults to {written[name]}; the code says {defaults[name]!r}."
        )
