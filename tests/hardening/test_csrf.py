"""Every write route in the app's route table refuses a signed-in reader's cookie when
the request comes from another site's page, and token checks compare in constant time."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.hardening.routes import routes
from tests.support.figures import Figures

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE = {"comment_id": "1", "kind": "verify"}
PACKAGE = Path(__file__).resolve().parents[2] / "townhall"


def _write_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in routes(app):
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "1"), route.path)
        found += [(method, path) for method in sorted(route.methods & UNSAFE)]
    return found


def test_every_cookie_write_from_a_foreign_page_is_refused(
    make_reader: Any, app: Any, figures: Figures
) -> None:
    reader = make_reader("Victim")
    reader.post("a comment to aim at", thread="csrf")
    writes = _write_routes(app)
    assert len(writes) >= 10
    let_through = []
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},  # a browser that sends no Origin
    ):
        # A browser on another site: the reader's cookie, that site's headers.
        browser = TestClient(app, cookies=dict(reader.http.cookies))
        for method, path in writes:
            sent = {**headers, "Content-Type": "application/json"}
            response = browser.request(method, path, content=b"{}", headers=sent)
            if response.status_code != 403:
                let_through.append(f"{method} {path} {headers}: {response.status_code}")
    figures(f"CSRF: {len(writes)} write routes x 3 forged-request kinds refused")
    assert let_through == []


SECRET_NAMES = re.compile(r"(token|signature|secret|digest|mac|nonce|code)s?$", re.I)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return ""


def test_secrets_are_never_compared_with_double_equals() -> None:
    """hmac.compare_digest, or a lookup by hash in the database; never `==` in Python."""
    offenders = []
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare) or not any(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
            ):
                continue
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Constant) for side in sides):
                continue  # comparing with a literal (a kind, None) is not a secret check
            if any(SECRET_NAMES.search(_name(side)) for side in sides):
                offenders.append(f"{source.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
