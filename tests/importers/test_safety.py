"""Hostile XML is refused with a message that says why, and nothing is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.importers.conftest import FIXTURES


@pytest.mark.parametrize(
    ("fmt", "name"), [("disqus", "billion-laughs.xml"), ("wordpress", "xxe.xml")]
)
def test_entity_tricks_are_refused(
    townhall_cli: Any, anonymous: Any, capsys: Any, fmt: str, name: str
) -> None:
    assert townhall_cli("import", fmt, str(FIXTURES / name), "--quiet") == 2
    err = capsys.readouterr().err
    assert f"error: {name} declares entities in its DOCTYPE" in err
    assert "refuses to expand them" in err


def test_a_cut_off_file_names_the_line(townhall_cli: Any, tmp_path: Path, capsys: Any) -> None:
    whole = (FIXTURES / "disqus.xml").read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(whole[: len(whole) // 2], encoding="utf-8")
    assert townhall_cli("import", "disqus", str(cut), "--quiet") == 2
    assert "cut.xml is not well-formed XML at line" in capsys.readouterr().err


def test_unknown_site_and_bad_rules_say_what_to_fix(townhall_cli: Any, capsys: Any) -> None:
    path = str(FIXTURES / "disqus.xml")
    assert townhall_cli("import", "disqus", path, "--site", "nope") == 2
    assert "There is no site called 'nope'" in capsys.readouterr().err
    assert townhall_cli("import", "disqus", path, "--map-url", "no-equals-sign") == 2
    assert "is not OLD=NEW" in capsys.readouterr().err
    assert townhall_cli("import", "disqus", "/nonexistent.xml") == 2
    assert "There is no file" in capsys.readouterr().err
