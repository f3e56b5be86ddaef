"""Imports point down: edge (api, web, cli) -> domain -> store. Never upward."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "townhall"
FORBIDDEN = {
    "store": (
        "townhall.domain",
        "townhall.api",
        "townhall.web",
        "townhall.cli",
        "townhall.dashboard",
    ),
    "domain": (
        "townhall.api",
        "townhall.web",
        "townhall.cli",
        "townhall.dashboard",
        "fastapi",
        "starlette",
    ),
    # The dashboard reads and acts through domain verbs, never through SQL of its own.
    "dashboard": ("townhall.store",),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layers_import_only_downward() -> None:
    offences = []
    for layer, forbidden in FORBIDDEN.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for name in _imports(path):
                if name.startswith(forbidden):
                    offences.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offences == []


def test_sql_lives_only_in_the_store() -> None:
    """Outside store/, SQLAlchemy appears only as a connection type and its error classes."""
    allowed = {("sqlalchemy", "Connection"), ("sqlalchemy.exc", "IntegrityError")}
    offences = []
    for path in PACKAGE.rglob("*.py"):
        if "store" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                names = {(node.module, alias.name) for alias in node.names}
                offences += [f"{path.name}: {m}.{n}" for m, n in names - allowed]
            elif isinstance(node, ast.Import):
                offences += [a.name for a in node.names if a.name.startswith("sqlalchemy")]
    assert offences == []
