"""Griffe extension: render the project's numpydoc docstrings as Sphinx would.

Sphinx roles. The docstrings cross-reference with Sphinx roles
(:class:`~sklearn_mgm.TokenizedDocuments`, :func:`save`). MkDocs reads Markdown,
so each role becomes an autorefs link ``[`TokenizedDocuments`][sklearn_mgm...]``
when it names an object of this package, and plain code for other libraries and
for attributes without a docstring of their own (the reference does not render
those, so there is nothing to link to). A leading ``~`` shows the last
component only, as in Sphinx.

Sets of choices. Griffe reads a parameter type that starts with a set
(``rnn : {"gru", "lstm"}, default="gru"``) as "one of these, the first being
the default": it drops what follows the set and shows the first choice as the
default, which is wrong for ``stop_words : {"english"}, list or None,
default=None``. The set is spelled out (``"gru" or "lstm"``), so that the type
is read whole and the stated default is kept.
"""

import re

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|attr|obj|data|exc):`(~?)([\w.]+)`")
CHOICES = re.compile(r"^(\s*\w+ : )\{([^}]*)\}", flags=re.M)
PACKAGE = "sklearn_mgm"


def _target(obj, name):
    """The full path of ``name`` as seen from ``obj``, or ``name`` when unresolvable."""
    if name.split(".", 1)[0] == PACKAGE:
        return name
    first, _, rest = name.partition(".")
    try:
        resolved = obj.resolve(first)
    except (griffe.NameResolutionError, ValueError):
        return name
    return f"{resolved}.{rest}" if rest else resolved


def _has_page(obj, target):
    """Whether the reference renders ``target``; unknown ones count as rendered.

    An unknown target stays a link, so that autorefs reports it.
    """
    try:
        member = obj.modules_collection[target]
    except (KeyError, griffe.AliasResolutionError):
        return True
    return not member.is_attribute or member.has_docstring


def _link(obj, match):
    short, name = match.groups()
    title = name.rsplit(".", 1)[-1] if short else name
    target = _target(obj, name)
    if target.split(".", 1)[0] != PACKAGE or not _has_page(obj, target):
        return f"`{title}`"
    return f"[`{title}`][{target}]"


def _spell_out_choices(match):
    prefix, choices = match.groups()
    return prefix + " or ".join(choice.strip() for choice in choices.split(","))


class NumpydocAsSphinx(griffe.Extension):
    """Rewrite every docstring of the package once it is loaded."""

    def on_package(self, *, pkg, **kwargs):
        self._rewrite(pkg, seen=set())

    def _rewrite(self, obj, seen):
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            text = ROLE.sub(lambda match: _link(obj, match), obj.docstring.value)
            obj.docstring.value = CHOICES.sub(_spell_out_choices, text)
        for member in obj.members.values():
            if not member.is_alias:
                self._rewrite(member, seen)
