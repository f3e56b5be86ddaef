"""Every answer carries the security headers its kind needs; routes come from the app's
route table, so pages other areas add are checked too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.hardening.routes import routes
from townhall.app import create_app
from townhall.domain.services import Services
from townhall.settings import Settings
from townhall.web.headers import PAGE_POLICY

SAMPLE = {"comment_id": "1", "name": "townhall.js", "kind": "verify"}


@pytest.fixture
def demo_app(tmp_path: Path, database_url: str) -> Any:
    settings = Settings.load(
        env={}, data_dir=str(tmp_path), database_url=database_url, demo=True,
        rate_limits_enabled=False,
    )  # fmt: skip
    services = Services.build(settings)
    yield create_app(settings, services)
    services.db.dispose()


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "1"), path)


def test_every_get_route_answers_with_nosniff_referrer_policy_and_a_csp(demo_app: Any) -> None:
    client = TestClient(demo_app)
    checked = 0
    for route in routes(demo_app):
        if "GET" not in route.methods or route.path in ("/api/docs", "/docs/oauth2-redirect"):
            continue
        if route.path.endswith("/events"):
            continue  # a live stream does not end; reading it here would hang
        response = client.get(_concrete(route.path))
        checked += 1
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", route.path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", route.path
        if route.path.startswith("/widget/"):
            continue
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, route.path
        if headers.get("content-type", "").startswith("text/html"):
            assert "script-src 'self'" in policy and "unsafe-inline" not in _scripts(policy)
            assert "'unsafe-eval'" not in policy
    assert checked >= 5


def _scripts(policy: str) -> str:
    return next((part for part in policy.split(";") if "script-src" in part), "")


def test_demo_page_and_mail_link_pages_have_the_strict_page_policy(demo_app: Any) -> None:
    client = TestClient(demo_app)
    for path in ("/", "/auth/verify?token=x"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == PAGE_POLICY
        assert response.headers["x-frame-options"] == "DENY"


def test_the_demo_page_has_no_inline_script_or_handler(demo_app: Any) -> None:
    html = TestClient(demo_app).get("/").text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []


def test_widget_files_stay_loadable_from_publishers_pages(demo_app: Any) -> None:
    response = TestClient(demo_app).get("/widget/townhall.js")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers
    assert response.headers["access-control-allow-origin"] == "*"


def test_hsts_only_over_https(settings: Settings, services: Services, app: Any) -> None:
    assert "strict-transport-security" not in TestClient(app).get("/api/v1/auth/me").headers
    secure = TestClient(app, base_url="https://comments.example.org")
    assert secure.get("/api/v1/auth/me").headers["strict-transport-security"].startswith("max-age=")


def test_a_revalidated_page_keeps_its_own_policy(demo_app: Any) -> None:
    """A 304 must not carry the API's sandbox policy: browsers would apply it to the
    cached demo page and block its scripts."""
    client = TestClient(demo_app)
    first = client.get("/")
    assert first.headers["content-security-policy"] == PAGE_POLICY
    again = client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
