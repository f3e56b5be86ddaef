"""Each bench writer owns one section of docs/benchmarks.md and leaves the others alone.

A section sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``. Writing it
replaces only what lies between its markers; a section not yet in the file is appended.
"""

from __future__ import annotations

import re
from pathlib import Path

TITLE = "# Benchmarks\n"


def markers(name: str) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"section name {name!r}: use lower-case letters, digits and '-'")
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def replace_section(path: Path, name: str, markdown: str) -> None:
    """Put `markdown` between the markers of section `name` in `path`, keeping the rest."""
    start, end = markers(name)
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    before, found, rest = text.partition(start + "\n")
    if found:
        _old, closed, after = rest.partition(end)
        if not closed:
            raise ValueError(f"{path}: {start} has no closing {end}; fix the file by hand")
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
