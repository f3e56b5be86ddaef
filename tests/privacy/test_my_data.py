"""A reader downloads all their data, and deletes their account (#5)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from tests.conftest import Reader
from tests.identity.conftest import StepClock
from townhall.domain import sites, sso
from townhall.domain.services import Services
from townhall.errors import InvalidInput
from townhall.store.schema import audit_log, comments, users

PASSWORD = "correct horse"  # the conftest Reader's


def _export(reader: Reader) -> dict[str, Any]:
    response = reader.http.get("/api/v1/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    data: dict[str, Any] = response.json()
    return data


def test_the_export_holds_my_data_and_no_secrets_or_other_readers_private_data(
    make_reader: Any,
) -> None:
    olena = make_reader("Olena", email="olena@example.org")
    taras = make_reader("Taras", email="taras@example.org")
    mine = olena.post(
        "My own comment on the first article.", thread="a-1", url="https://news.example.org/a-1"
    )
    theirs = taras.post("Taras writes something else entirely.", thread="a-1")
    olena.http.put(f"/api/v1/comments/{theirs['id']}/reaction")
    reported = olena.http.post(f"/api/v1/comments/{theirs['id']}/reports", json={"reason": "spam"})
    assert reported.status_code == 201, reported.text

    data = _export(olena)
    assert data["profile"]["email"] == "olena@example.org"
    assert data["profile"]["name"] == "Olena"
    assert data["profile"]["has_password"] is True
    [comment] = data["comments"]
    assert comment["id"] == mine["id"]
    assert comment["body"] == "My own comment on the first article."
    assert comment["status"] == "visible"
    assert comment["thread_key"] == "a-1"
    assert comment["site"] == "default"
    assert [r["comment_id"] for r in data["reactions"]] == [theirs["id"]]
    assert [(r["comment_id"], r["reason"]) for r in data["reports"]] == [(theirs["id"], "spam")]
    assert [s["current"] for s in data["sessions"]] == [True]
    assert data["notifications"]["reply_email"] is False

    text = olena.http.get("/api/v1/me/export").text
    for secret in ("password_hash", "argon2", "token_hash", "totp", "remote_addr"):
        assert secret not in text.lower() or secret == "totp" and '"two_factor"' in text
    assert "taras@example.org" not in text
    assert "Taras writes" not in text


def test_the_export_needs_a_signed_in_reader(anonymous: Reader) -> None:
    response = anonymous.http.get("/api/v1/me/export")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def _thread(reader: Reader) -> list[dict[str, Any]]:
    page = reader.thread("a-2")
    flat: list[dict[str, Any]] = []
    for c in page["comments"]:
        flat.append(c)
        flat.extend(c["replies"])
    return flat


def test_deleting_with_the_password_anonymises_comments_and_signs_out_everywhere(
    app: Any, make_reader: Any, anonymous: Reader, services: Services
) -> None:
    olena = make_reader("Olena", email="olena@example.org")
    other_device = Reader(app)
    other_device.http.post(
        "/api/v1/auth/signin", json={"email": "olena@example.org", "password": PASSWORD}
    )
    taras = make_reader("Taras")
    mine = olena.post("A comment that outlives its author's account.", thread="a-2")
    taras.post("A reply under it.", thread="a-2", parent_id=mine["id"])
    assert "Olena" in str(_thread(anonymous))  # and the page is in the cache now

    wrong = olena.http.request("DELETE", "/api/v1/me", json={"password": "not it at all"})
    assert wrong.status_code == 403
    assert wrong.json()["type"].endswith("/confirm-deletion")

    done = olena.http.request("DELETE", "/api/v1/me", json={"password": PASSWORD})
    assert done.status_code == 200, done.text
    assert done.json() == {"deleted": True, "comments_anonymised": 1, "comments_removed": 0}
    for device in (olena, other_device):
        assert device.http.get("/api/v1/auth/me").status_code == 401
    signin = {"email": "olena@example.org", "password": PASSWORD}
    assert anonymous.http.post("/api/v1/auth/signin", json=signin).status_code == 401

    shown = {c["id"]: c for c in _thread(anonymous)}
    assert shown[mine["id"]]["author"] == {"id": None, "name": "deleted user", "deleted": True}
    assert "outlives" in shown[mine["id"]]["html"]
    with services.db.read() as conn:
        row = conn.execute(select(users).where(users.c.id == olena.user["id"])).mappings().one()  # type: ignore[index]
        audit = (
            conn.execute(select(audit_log).where(audit_log.c.action == "account-deleted"))
            .mappings()
            .one()
        )
    assert "olena" not in str(dict(row)).lower()
    assert row["password_hash"] is None
    assert "olena" not in str(dict(audit)).lower()
    assert audit["target_id"] == olena.user["id"]  # type: ignore[index]


def test_remove_blanks_the_comments_and_the_replies_keep_the_thread_readable(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    services.settings = services.settings.replace(deleted_account_comments="remove")
    olena = make_reader("Olena")
    taras = make_reader("Taras")
    parent = olena.post("A comment to be removed with the account.", thread="a-2")
    lonely = olena.post("A second one, nobody answered it.", thread="a-2")
    reply = taras.post("A reply that stays readable.", thread="a-2", parent_id=parent["id"])
    taras.http.put(f"/api/v1/comments/{lonely['id']}/reaction")
    before = anonymous.thread("a-2")["thread"]["comment_count"]

    done = olena.http.request("DELETE", "/api/v1/me", json={"password": PASSWORD})
    assert done.json() == {"deleted": True, "comments_anonymised": 0, "comments_removed": 2}

    page = anonymous.thread("a-2")
    assert page["thread"]["comment_count"] == before - 2
    shown = {c["id"]: c for c in _thread(anonymous)}
    assert lonely["id"] not in shown
    assert shown[parent["id"]]["status"] == "deleted"
    assert shown[parent["id"]]["author"] is None and shown[parent["id"]]["html"] == ""
    assert shown[reply["id"]]["html"].startswith("<p>A reply that stays readable.")
    with services.db.read() as conn:
        bodies = (
            conn.execute(
                select(comments.c.body).where(comments.c.id.in_([parent["id"], lonely["id"]]))
            )
            .scalars()
            .all()
        )
    assert bodies == ["", ""]


SECRET = "publisher-secret-" + "y" * 32


@pytest.fixture
def clock(services: Services) -> StepClock:
    clock = StepClock(services.clock.now_ms())
    services.clock = clock
    return clock


def test_an_sso_account_confirms_with_a_recent_sign_in(
    anonymous: Reader, services: Services, app: Any, clock: StepClock
) -> None:
    sso.add_key(services, sites.get_site(services, "default"), key=SECRET)
    claims = {
        "iat": int(time.time()),
        "user": {"id": "s-1", "email": "sub@paper.example", "username": "Sub"},
    }
    signed = anonymous.http.post(
        "/api/v1/auth/sso", json={"token": jwt.encode(claims, SECRET, algorithm="HS256")}
    )
    assert signed.status_code == 200, signed.text
    clock.advance(11 * 60)
    stale = anonymous.http.request("DELETE", "/api/v1/me")
    assert stale.status_code == 403
    assert "signs in again" in stale.json()["detail"]

    claims["iat"] = clock.now // 1000  # signs in again, through the publisher
    again = anonymous.http.post(
        "/api/v1/auth/sso", json={"token": jwt.encode(claims, SECRET, algorithm="HS256")}
    )
    assert again.status_code == 200, again.text
    done = anonymous.http.request("DELETE", "/api/v1/me")
    assert done.status_code == 200, done.text
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401


def test_bad_deletion_requests_get_problems(anonymous: Reader, make_reader: Any) -> None:
    assert anonymous.http.request("DELETE", "/api/v1/me").status_code == 401
    olena = make_reader("Olena")
    odd = olena.http.request("DELETE", "/api/v1/me", json={"password": 12, "extra": True})
    assert odd.status_code == 422
    assert odd.headers["content-type"] == "application/problem+json"


def test_a_sites_own_setting_overrides_the_servers(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    from townhall.domain import accounts, site_settings

    admin = accounts.create_user(
        services,
        email="admin@example.org",
        password="an admin passphrase",
        name="Admin",
        role="admin",
    )
    site_settings.update(
        services, user=admin, site="default", values={"deleted_account_comments": "remove"}
    )
    olena = make_reader("Olena")
    gone = olena.post("Removed because this site asks for it.", thread="a-3")
    done = olena.http.request("DELETE", "/api/v1/me", json={"password": PASSWORD})
    assert done.json()["comments_removed"] == 1
    assert gone["id"] not in {c["id"] for c in anonymous.thread("a-3")["comments"]}

    with pytest.raises(InvalidInput, match="use one of anonymise, remove"):
        site_settings.update(
            services, user=admin, site="default", values={"deleted_account_comments": "x"}
        )
