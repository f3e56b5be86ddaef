"""The comment box stays small: every news page that embeds it pays for its bytes."""

from __future__ import annotations

import gzip
from pathlib import Path

WIDGET = Path(__file__).resolve().parents[2] / "townhall" / "widget"
BUDGET = 25 * 1024


def test_widget_js_and_css_gzip_under_budget():
    sizes = {
        name: len(gzip.compress((WIDGET / name).read_bytes(), compresslevel=9))
        for name in ("townhall.js", "townhall.css")
    }
    total = sum(sizes.values())
    assert total < BUDGET, f"widget is {total:,} bytes gzipped ({sizes}); the budget is {BUDGET:,}"


def test_widget_makes_no_third_party_references():
    source = (WIDGET / "townhall.js").read_text() + (WIDGET / "townhall.css").read_text()
    for marker in ("http://", "https://", "//cdn", "@import", "eval(", "new Function"):
        assert marker not in source, f"widget source contains {marker!r}"
