"""MkDocs hook: include files from outside the documentation folder.

A line ``<!-- include PATH -->`` in a page is replaced by the file at PATH
(relative to this folder), so figures kept in ``benchmarks/`` appear in the
documentation without a copy that could drift. A Markdown file loses its title
(a first line starting with ``# ``; the page's section stands for it), has its
other headings moved down one level, its relative links turned into plain text
(their targets are not part of the site) and its local images embedded; an
image file is embedded as it is. ``<!-- include-optional PATH -->`` shows a
note instead when a Markdown file does not exist yet, and nothing for a
missing image; a missing file for ``include`` stops the build.
"""

import base64
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

DIRECTIVE = re.compile(r"^<!-- (include|include-optional) (\S+) -->$", flags=re.M)
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def _is_relative(target):
    return not re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target)


def _image(path, alt):
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"![{alt}](data:{IMAGE_TYPES[path.suffix.lower()]};base64,{data})"


def _demote_headings(text):
    lines, in_code = [], False
    for line in text.splitlines():
        if line.startswith(("```", "~~~")):
            in_code = not in_code
        elif not in_code and re.match(r"#+ ", line):
            line = "#" + line
        lines.append(line)
    return "\n".join(lines) + "\n"


def _markdown(path):
    text = path.read_text(encoding="utf-8")
    if text.startswith("# "):
        text = text.partition("\n")[2]
    text = _demote_headings(text)

    def image(match):
        alt, target = match.groups()
        local = path.parent / target
        if _is_relative(target) and local.suffix.lower() in IMAGE_TYPES and local.is_file():
            return _image(local, alt)
        return match.group(0)

    text = IMAGE.sub(image, text)
    return LINK.sub(lambda m: m.group(1) if _is_relative(m.group(2)) else m.group(0), text)


def _include(match, folder, page):
    kind, name = match.groups()
    path = (folder / name).resolve()
    if not path.is_file():
        if kind == "include-optional" and path.suffix.lower() in IMAGE_TYPES:
            return ""
        if kind == "include-optional":
            return (
                '!!! note "Not measured yet"\n\n'
                f"    This section shows `{os.path.relpath(path, folder.parent)}` once the "
                "benchmark that writes it has been run.\n"
            )
        raise PluginError(f"{page.file.src_uri}: cannot include {name}: no such file ({path}).")
    if path.suffix.lower() in IMAGE_TYPES:
        return _image(path, path.stem)
    return _markdown(path)


def on_page_markdown(markdown, page, config, files):
    folder = Path(config.config_file_path).parent
    return DIRECTIVE.sub(lambda match: _include(match, folder, page), markdown)
