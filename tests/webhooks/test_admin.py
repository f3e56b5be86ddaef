"""Admins manage webhooks on the dashboard and the API; nobody else may, and bad URLs
(other schemes, credentials, loopback and private targets) are refused with a problem."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.moderation.sites import make_site
from tests.webhooks.conftest import Receiver, add_hook, deliveries
from townhall.cli.main import main
from townhall.domain.services import Services

API = "/api/v1/moderation/sites/default/webhooks"


def test_the_dashboard_lists_webhooks_and_each_delivery_log(
    admin: Reader, make_reader: Any, receiver: Receiver
) -> None:
    hook = add_hook(admin, receiver.url, ["comment.created", "comment.edited"])
    make_reader("Ana").post("Hello, newsroom.")
    receiver.wait_for(1)
    site = admin.http.get("/admin/sites/default")
    assert 'href="/admin/sites/default/webhooks"' in site.text
    page = admin.http.get("/admin/sites/default/webhooks")
    assert page.status_code == 200
    assert receiver.url in page.text and "comment.created, comment.edited" in page.text
    assert f'href="/admin/sites/default/webhooks/{hook["id"]}"' in page.text
    assert "Send a test ping" in page.text and "Rotate secret" in page.text
    assert hook["secret"] not in page.text  # shown once, at creation only
    assert 'src="/admin/static/webhooks.js"' in page.text
    assert admin.http.get("/admin/static/webhooks.js").status_code == 200
    (row,) = deliveries(admin, hook["id"])
    log = admin.http.get(f"/admin/sites/default/webhooks/{hook['id']}")
    assert log.status_code == 200
    assert f'<tr data-delivery="{row["id"]}">' in log.text
    assert "comment.created" in log.text and "delivered" in log.text
    assert 'data-webhook-action="retry"' not in log.text  # nothing left to retry
    assert admin.http.get("/admin/sites/default/webhooks/999999").status_code == 404


def test_only_admins_see_or_change_webhooks(
    admin: Reader, make_reader: Any, services: Services, anonymous: Reader
) -> None:
    hook = add_hook(admin, "http://127.0.0.1:9/hook", ["comment.created"])
    moderator = promote(services, make_reader("Mod"))
    reader = make_reader("Reader")
    pages = ["/admin/sites/default/webhooks", f"/admin/sites/default/webhooks/{hook['id']}"]
    for who in (moderator, reader):
        for path in pages:
            assert who.http.get(path).status_code == 403, path
        assert who.http.get(API).status_code == 403
        body = {"url": "http://127.0.0.1:9/x", "events": ["comment.created"]}
        refused = who.http.post(API, json=body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert who.http.post(f"{API}/{hook['id']}/ping").status_code == 403
        assert who.http.post(f"{API}/{hook['id']}/secret").status_code == 403
        assert who.http.delete(f"{API}/{hook['id']}").status_code == 403
    away = anonymous.http.get(pages[0], follow_redirects=False)
    assert away.status_code == 303 and "/admin/signin" in away.headers["location"]
    assert anonymous.http.get(API).status_code == 401
    # A page of another origin cannot drive an admin's browser to add one (CSRF).
    forged = Reader(admin.http.app, origin="https://evil.example")
    forged.http.cookies = admin.http.cookies
    body = {"url": "http://127.0.0.1:9/x", "events": ["comment.created"]}
    assert forged.http.post(API, json=body).status_code == 403


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "Give the URL"),
        ("ftp://example.org/hook", "start with https://"),
        ("javascript:alert(1)", "start with https://"),
        ("https://", "names no host"),
        ("https://user:pw@example.org/hook", "user name and password"),
        ("http://example.org:99999/hook", "is not a URL"),
        ("http://exa mple.org/hook", "spaces or control characters"),
        ("http://example.org/\u0007", "spaces or control characters"),
    ],
)
def test_bad_webhook_urls_get_a_problem_saying_what_to_fix(
    admin: Reader, url: str, says: str
) -> None:
    response = admin.http.post(API, json={"url": url, "events": ["comment.created"]})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert says in problem["detail"] and problem["errors"][0]["field"] == "url"


def test_bad_events_and_unknown_sites_are_refused(admin: Reader, services: Services) -> None:
    url = "http://127.0.0.1:9/hook"
    none = admin.http.post(API, json={"url": url, "events": []})
    assert none.status_code == 422 and "Choose at least one event" in none.json()["detail"]
    odd = admin.http.post(API, json={"url": url, "events": ["comment.liked"]})
    assert odd.status_code == 422 and "comment.liked" in odd.json()["detail"]
    assert admin.http.post(API, json={"events": ["comment.created"]}).status_code == 422
    missing = "/api/v1/moderation/sites/nowhere/webhooks"
    assert admin.http.post(missing, json={"url": url, "events": ["user.banned"]}).status_code == 404
    make_site(services, "other")
    hook = add_hook(admin, url, ["user.banned"], site="other")
    assert admin.http.post(f"{API}/{hook['id']}/ping").status_code == 404  # not default's


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_loopback_and_private_targets_are_refused_unless_allowed(
    app_with_hooks: Any, url: str
) -> None:
    admin, _ = app_with_hooks(webhook_allow_private=False)
    response = admin.http.post(API, json={"url": url, "events": ["comment.created"]})
    assert response.status_code == 422, response.text
    assert "public addresses only" in response.json()["detail"]


def test_the_command_line_adds_lists_logs_and_removes_webhooks(
    admin: Reader,
    make_reader: Any,
    receiver: Receiver,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TOWNHALL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOWNHALL_WEBHOOK_ALLOW_PRIVATE", "true")
    assert main(["webhooks", "add", receiver.url, "--events", "comment.created"]) == 0
    out = capsys.readouterr().out
    secret = out.split("Secret (shown this once): ")[1].strip()
    hook_id = int(out.split("Added webhook ")[1].split(" ")[0])
    make_reader("Ana").post("Through the command line's webhook.")
    (arrived,) = receiver.wait_for(1)
    assert arrived.headers["Townhall-Signature"] and secret.startswith("whsec_")
    assert main(["webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{hook_id}\t{receiver.url}\tcomment.created" in listed and secret not in listed
    assert main(["webhooks", "log", str(hook_id)]) == 0
    assert "comment.created" in capsys.readouterr().out
    assert main(["webhooks", "add", "ftp://example.org/x"]) == 2
    assert "start with https://" in capsys.readouterr().err
    assert main(["webhooks", "remove", str(hook_id)]) == 0
    assert main(["webhooks", "list"]) == 0
    assert "has no webhooks" in capsys.readouterr().out
