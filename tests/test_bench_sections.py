"""Bench writers share docs/benchmarks.md: each run rewrites its own section only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
spec = importlib.util.spec_from_file_location("bench_sections", BENCH / "sections.py")
assert spec is not None and spec.loader is not None
sections = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sections)


def test_a_run_replaces_its_own_section_and_keeps_the_others(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    sections.replace_section(doc, "importers", "## Importing\n\n1 GB in 9 minutes.")
    sections.replace_section(doc, "http", "## Serving\n\n4,000 req/s.\n")
    doc.write_text(doc.read_text() + "\nA note written by hand.\n")
    sections.replace_section(doc, "importers", "## Importing\n\n1 GB in 7 minutes.")
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "7 minutes" in text and "9 minutes" not in text
    assert "4,000 req/s." in text and text.endswith("A note written by hand.\n")
    assert text.index("<!-- bench:importers -->") < text.index("<!-- bench:http -->")
    assert text.count("<!-- /bench:importers -->") == 1


def test_a_section_without_its_closing_marker_is_left_for_a_person(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:http -->\n## Serving\n")
    with pytest.raises(ValueError, match="no closing"):
        sections.replace_section(doc, "http", "new")
    assert doc.read_text() == "# Benchmarks\n\n<!-- bench:http -->\n## Serving\n"
