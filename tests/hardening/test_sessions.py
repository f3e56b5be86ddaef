"""Accounts and sessions as an attacker probes them: fixed sessions, stolen tokens after
sign-out or a reset, guessing passwords, and asking the forms who has an account."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, Reader
from townhall.api.deps import SESSION_COOKIE
from townhall.app import create_app
from townhall.domain.services import Services
from townhall.settings import Settings

PASSWORD = "correct horse"


def _signin(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/signin", json={"email": email, "password": password})


def test_sign_in_issues_a_new_session_and_ignores_a_planted_one(make_reader: Any, app: Any) -> None:
    reader = make_reader("Ada")
    victim = TestClient(app, headers={"Origin": ORIGIN})
    victim.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")
    first = _signin(victim, reader.user["email"])
    second = _signin(victim, reader.user["email"])
    tokens = {first.json()["token"], second.json()["token"], "planted-by-an-attacker"}
    assert len(tokens) == 3
    assert first.cookies[SESSION_COOKIE] == first.json()["token"]


def test_sign_out_revokes_the_session_on_the_server(make_reader: Any, app: Any) -> None:
    reader = make_reader("Ada")
    token = _signin(reader.http, reader.user["email"]).json()["token"]
    stolen = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert stolen.get("/api/v1/auth/me").status_code == 200
    reader.http.headers["Authorization"] = f"Bearer {token}"
    assert reader.http.post("/api/v1/auth/signout").status_code == 204
    assert stolen.get("/api/v1/auth/me").status_code == 401


def test_changing_the_password_signs_out_every_other_session(make_reader: Any, app: Any) -> None:
    reader = make_reader("Ada")
    email = reader.user["email"]
    other_device = _signin(TestClient(app, headers={"Origin": ORIGIN}), email)
    stolen = TestClient(app, headers={"Authorization": f"Bearer {other_device.json()['token']}"})
    assert stolen.get("/api/v1/auth/me").status_code == 200

    wrong = {"current_password": "not my password", "new_password": "a brand new passphrase"}
    refused = reader.http.post("/api/v1/auth/password", json=wrong)
    assert refused.status_code == 401 and "nothing was changed" in refused.json()["detail"]
    assert stolen.get("/api/v1/auth/me").status_code == 200
    common = {"current_password": PASSWORD, "new_password": "password123"}
    assert reader.http.post("/api/v1/auth/password", json=common).status_code == 422

    change = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    done = reader.http.post("/api/v1/auth/password", json=change)
    assert done.status_code == 200, done.text
    assert done.json() == {"revoked": 1}
    assert stolen.get("/api/v1/auth/me").status_code == 401
    assert reader.http.get("/api/v1/auth/me").status_code == 200  # this session stays
    assert _signin(TestClient(app, headers={"Origin": ORIGIN}), email).status_code == 401
    fresh = TestClient(app, headers={"Origin": ORIGIN}).post(
        "/api/v1/auth/signin", json={"email": email, "password": "a brand new passphrase"}
    )
    assert fresh.status_code == 200
    assert TestClient(app).post("/api/v1/auth/password", json=change).status_code in (401, 403)


def test_a_password_reset_signs_out_every_session(
    make_reader: Any, app: Any, services: Services
) -> None:
    reader = make_reader("Ada")
    other_device = _signin(TestClient(app, headers={"Origin": ORIGIN}), reader.user["email"])
    stolen = TestClient(app, headers={"Authorization": f"Bearer {other_device.json()['token']}"})
    assert stolen.get("/api/v1/auth/me").status_code == 200
    anonymous = TestClient(app, headers={"Origin": ORIGIN})
    asked = anonymous.post("/api/v1/auth/password-reset", json={"email": reader.user["email"]})
    assert asked.status_code == 202
    mail = services.mailer.sent[-1].get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    token = re.search(r"token=([\w%-]+)", mail).group(1)  # type: ignore[union-attr]
    done = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "a brand new passphrase"},
    )
    assert done.status_code == 200, done.text
    assert stolen.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("password", ["password123", "12345678", "Qwertyuiop", "aaaaaaaaaa"])
def test_sign_up_refuses_common_passwords_and_says_what_to_do(anonymous: Reader, password: str):
    response = anonymous.http.post(
        "/api/v1/auth/signup", json={"email": "a@example.org", "password": password, "name": "A"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
    assert "Choose another" in response.json()["detail"]


def test_sign_up_refuses_the_email_as_password(anonymous: Reader) -> None:
    email = "olena.k@example.org"
    response = anonymous.http.post(
        "/api/v1/auth/signup", json={"email": email, "password": email, "name": "Olena"}
    )
    assert response.status_code == 422


@pytest.fixture
def limited_app(tmp_path: Path, database_url: str) -> Any:
    settings = Settings.load(
        env={},
        data_dir=str(tmp_path),
        database_url=database_url,
        rate_limit_signin="3/minute",
        rate_limit_signup="3/hour",
    )
    services = Services.build(settings)
    yield create_app(settings, services)
    services.db.dispose()


def test_sign_in_is_throttled_per_account_and_per_ip_with_a_wait_time(limited_app: Any) -> None:
    Reader(limited_app).signup("Target", "target@example.org")
    guesser = TestClient(limited_app, headers={"Origin": ORIGIN}, client=("203.0.113.7", 4000))
    answers = [_signin(guesser, "target@example.org", f"guess {n}") for n in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "Try again in" in answers[-1].json()["detail"]
    # The account is locked for guessers from any address...
    elsewhere = TestClient(limited_app, headers={"Origin": ORIGIN}, client=("198.51.100.9", 1))
    assert _signin(elsewhere, "target@example.org", "guess 5").status_code == 429
    # ...and the guessing address is locked for any account.
    assert _signin(guesser, "someone@example.org", "x").status_code == 429


def test_sign_up_says_an_email_is_taken_but_only_a_few_times_an_hour_per_address(
    limited_app: Any,
) -> None:
    """The one form that tells who has an account, by choice (docs/security.md): a reader
    who already has one is sent to sign in. A prober gets the sign-up limit's few answers
    an hour per address."""
    Reader(limited_app).signup("Owner", "owner@example.org")
    prober = TestClient(limited_app, headers={"Origin": ORIGIN}, client=("203.0.113.8", 4000))
    answers = [
        prober.post(
            "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Probe"}
        )
        for email in ("owner@example.org", "fresh@example.org", "owner@example.org", "x@y.org")
    ]
    assert [a.status_code for a in answers] == [409, 201, 409, 429]
    assert "Sign in instead" in answers[0].json()["detail"]
    assert "Try again in" in answers[-1].json()["detail"]
    # A common password is refused before the address is looked up: it tells nothing.
    other = TestClient(limited_app, headers={"Origin": ORIGIN}, client=("203.0.113.9", 4000))
    weak = other.post(
        "/api/v1/auth/signup",
        json={"email": "owner@example.org", "password": "password", "name": "Probe"},
    )
    assert weak.status_code == 422


def test_sign_in_answers_alike_for_an_unknown_email_and_a_wrong_password(
    make_reader: Any, anonymous: Reader
) -> None:
    known = make_reader("Known").user["email"]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    bodies = set()
    for _ in range(5):
        for kind, email in (("known", known), ("unknown", "nobody@example.org")):
            started = time.perf_counter()
            response = _signin(anonymous.http, email, "not the password")
            timings[kind].append(time.perf_counter() - started)
            bodies.add((response.status_code, response.text))
    assert len(bodies) == 1
    ratio = statistics.median(timings["known"]) / statistics.median(timings["unknown"])
    assert 0.33 < ratio < 3, timings  # both verify an argon2 hash


@pytest.mark.parametrize("route", ["/api/v1/auth/password-reset", "/api/v1/auth/magic-link"])
def test_mail_link_requests_do_not_reveal_who_has_an_account(
    make_reader: Any, anonymous: Reader, route: str
) -> None:
    known = make_reader("Known").user["email"]
    answers = {
        (r.status_code, r.text)
        for r in (
            anonymous.http.post(route, json={"email": known}),
            anonymous.http.post(route, json={"email": "nobody@example.org"}),
        )
    }
    assert len(answers) == 1
