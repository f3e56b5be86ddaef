"""Importer stories run the real `townhall` command against the test's database, then read
the result the way readers do: over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from townhall.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def townhall_cli(monkeypatch: pytest.MonkeyPatch, settings: Any, app: Any) -> Any:
    """Run `townhall ARGS...` on the same database as ``app``; returns the exit code."""
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TOWNHALL_DATA_DIR", str(settings.data_dir))

    def run(*args: str) -> int:
        return main([*args])

    return run


def flatten(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comment in comments:
        out.append(comment)
        out.extend(flatten(comment["replies"]))
    return out
