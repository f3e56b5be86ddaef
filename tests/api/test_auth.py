"""A reader signs up, signs in and out; the session cookie behaves."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader


def test_signup_sets_a_session_cookie_and_me_answers(anonymous: Reader) -> None:
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401
    response = anonymous.http.post(
        "/api/v1/auth/signup",
        json={"email": " Olena@Example.org ", "password": "correct horse", "name": "Olena"},
    )
    assert response.status_code == 201
    cookie = response.headers["set-cookie"]
    assert "townhall_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests
    me = anonymous.http.get("/api/v1/auth/me").json()["user"]
    assert me == {"id": me["id"], "name": "Olena", "email": "olena@example.org", "role": "reader"}


def test_signin_signout_and_wrong_password(anonymous: Reader, make_reader: Any) -> None:
    make_reader("Taras", email="taras@example.org")
    wrong = anonymous.http.post(
        "/api/v1/auth/signin", json={"email": "taras@example.org", "password": "not it!!"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "email or password is wrong" in wrong.json()["detail"]
    unknown = anonymous.http.post(
        "/api/v1/auth/signin", json={"email": "nobody@example.org", "password": "whatever1"}
    )
    assert unknown.json()["detail"] == wrong.json()["detail"]

    ok = anonymous.http.post(
        "/api/v1/auth/signin", json={"email": "TARAS@example.org", "password": "correct horse"}
    )
    assert ok.status_code == 200
    assert anonymous.http.get("/api/v1/auth/me").status_code == 200
    assert anonymous.http.post("/api/v1/auth/signout").status_code == 204
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401


def test_signed_out_token_no_longer_works(anonymous: Reader) -> None:
    token = anonymous.http.post(
        "/api/v1/auth/signup",
        json={"email": "b@example.org", "password": "correct horse", "name": "B"},
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    anonymous.http.cookies.clear()
    assert anonymous.http.get("/api/v1/auth/me", headers=bearer).status_code == 200
    assert anonymous.http.post("/api/v1/auth/signout", headers=bearer).status_code == 204
    assert anonymous.http.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_duplicate_email_and_weak_input_are_explained(anonymous: Reader, make_reader: Any) -> None:
    make_reader("First", email="same@example.org")
    again = anonymous.http.post(
        "/api/v1/auth/signup",
        json={"email": "same@example.org", "password": "correct horse", "name": "Second"},
    )
    assert again.status_code == 409
    short = anonymous.http.post(
        "/api/v1/auth/signup", json={"email": "c@example.org", "password": "short", "name": "C"}
    )
    assert short.status_code == 422
    assert "at least 8" in short.json()["errors"][0]["message"]
    bad_email = anonymous.http.post(
        "/api/v1/auth/signup",
        json={"email": "not-an-email", "password": "long enough", "name": "D"},
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["field"] == "email"


def test_signup_from_a_foreign_origin_is_refused(app: Any) -> None:
    evil = Reader(app, origin="https://evil.example")
    response = evil.http.post(
        "/api/v1/auth/signup",
        json={"email": "e@example.org", "password": "correct horse", "name": "E"},
    )
    assert response.status_code == 403
    assert "not allowed" in response.json()["detail"]


def test_signup_rate_limit_answers_429_with_retry_after(app: Any, services: Any) -> None:
    services.limiter.enabled = True
    reader = Reader(app)
    codes = []
    for i in range(21):
        response = reader.http.post(
            "/api/v1/auth/signup",
            json={"email": f"r{i}@example.org", "password": "correct horse", "name": "R"},
        )
        codes.append(response.status_code)
    assert codes[:20] == [201] * 20
    assert codes[20] == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Try again in" in response.json()["detail"]
