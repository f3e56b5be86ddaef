"""Readers confirm their address, reset a password and sign in by mail. The mail goes
through a real SMTP server on loopback; the stories follow the links it carries."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, StepClock, html_of, link_in, text_of
from townhall.domain.services import Services


def _signup(reader: Reader, email: str) -> dict[str, Any]:
    response = reader.http.post(
        "/api/v1/auth/signup", json={"email": email, "password": "correct horse", "name": "Olena"}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_signup_mails_a_confirmation_link_that_works_once(
    anonymous: Reader, mailbox: Mailbox
) -> None:
    _signup(anonymous, "olena@example.org")
    mail = mailbox.last_to("olena@example.org")
    assert mail["Subject"] == "Confirm your email address"
    assert "Hello Olena" in text_of(mail)
    url, kind, token = link_in(mail)
    assert kind == "verify"
    assert url in html_of(mail).replace("&amp;", "&")

    # Opening the link (as a mail scanner would) only shows a button.
    page = anonymous.http.get(url)
    assert page.status_code == 200
    assert '<form method="post" action="/auth/verify">' in page.text
    assert anonymous.http.get(url).status_code == 200

    done = anonymous.http.post("/auth/verify", data={"token": token})
    assert done.status_code == 200
    assert "olena@example.org is confirmed" in done.text

    again = anonymous.http.post("/auth/verify", data={"token": token})
    assert again.status_code == 410
    assert "already used" in again.text
    api_again = anonymous.http.post("/api/v1/auth/verify", json={"token": token})
    assert api_again.status_code == 410
    assert api_again.headers["content-type"] == "application/problem+json"
    assert api_again.json()["type"].endswith("/link-used")
    assert len(mailbox.to("olena@example.org")) == 1


def test_required_verification_holds_posting_until_the_reader_confirms(
    anonymous: Reader, mailbox: Mailbox, services: Services
) -> None:
    services.settings = services.settings.replace(email_verification="required")
    _signup(anonymous, "taras@example.org")
    refused = anonymous.http.post("/api/v1/comments", json={"thread": "a-1", "body": "Hi"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/email-not-verified")
    assert "taras@example.org" in refused.json()["detail"]

    # The first mail got lost; the reader asks for another. Only the newest link works.
    _, _, first = link_in(mailbox.last_to("taras@example.org"))
    assert anonymous.http.post("/api/v1/auth/verification").status_code == 202
    _, _, second = link_in(mailbox.last_to("taras@example.org"))
    assert first != second
    assert anonymous.http.post("/api/v1/auth/verify", json={"token": first}).status_code == 410
    confirmed = anonymous.http.post("/api/v1/auth/verify", json={"token": second})
    assert confirmed.status_code == 200

    assert (
        anonymous.http.post("/api/v1/comments", json={"thread": "a-1", "body": "Hi"}).status_code
        == 201
    )
    assert anonymous.http.post("/api/v1/auth/verification").status_code == 409


def test_verification_off_sends_nothing(
    anonymous: Reader, mailbox: Mailbox, services: Services
) -> None:
    services.settings = services.settings.replace(email_verification="off")
    _signup(anonymous, "quiet@example.org")
    assert mailbox.to("quiet@example.org") == []


def test_password_reset_by_mail_signs_out_everywhere(app: Any, mailbox: Mailbox) -> None:
    laptop, phone, stranger = Reader(app), Reader(app), Reader(app)
    _signup(laptop, "ivan@example.org")
    assert (
        stranger.http.post(
            "/api/v1/auth/password-reset", json={"email": "nobody@example.org"}
        ).status_code
        == 202
    )
    assert mailbox.to("nobody@example.org") == []

    asked = phone.http.post("/api/v1/auth/password-reset", json={"email": " IVAN@example.org"})
    assert asked.status_code == 202
    mail = mailbox.last_to("ivan@example.org")
    assert mail["Subject"] == "Reset your password"
    url, kind, token = link_in(mail)
    assert kind == "reset"
    assert 'name="password"' in phone.http.get(url).text

    short = phone.http.post("/auth/reset", data={"token": token, "password": "short"})
    assert short.status_code == 422
    assert "at least 8" in short.text or "8 to" in short.text
    done = phone.http.post("/auth/reset", data={"token": token, "password": "new battery"})
    assert done.status_code == 200, done.text
    assert "townhall_session=" in done.headers["set-cookie"]
    assert phone.http.get("/api/v1/auth/me").json()["user"]["email"] == "ivan@example.org"

    assert laptop.http.get("/api/v1/auth/me").status_code == 401  # signed out everywhere
    old = {"email": "ivan@example.org", "password": "correct horse"}
    assert stranger.http.post("/api/v1/auth/signin", json=old).status_code == 401
    new = {"email": "ivan@example.org", "password": "new battery"}
    assert stranger.http.post("/api/v1/auth/signin", json=new).status_code == 200
    reused = stranger.http.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "third one!"}
    )
    assert reused.status_code == 410


def test_magic_link_signs_in_once_and_expires(
    app: Any, mailbox: Mailbox, services: Services
) -> None:
    clock = StepClock(services.clock.now_ms())
    services.clock = clock
    _signup(Reader(app), "maria@example.org")
    reader = Reader(app)
    assert (
        reader.http.post("/api/v1/auth/magic-link", json={"email": "maria@example.org"}).status_code
        == 202
    )
    mail = mailbox.last_to("maria@example.org")
    assert mail["Subject"] == "Your sign-in link"
    url, kind, token = link_in(mail)
    assert kind == "magic"
    assert "Sign me in" in reader.http.get(url).text

    signed_in = reader.http.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert signed_in.status_code == 200
    bearer = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    assert reader.http.get("/api/v1/auth/me", headers=bearer).status_code == 200
    reused = reader.http.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert reused.status_code == 410
    assert "already used" in reused.json()["detail"]

    reader.http.post("/api/v1/auth/magic-link", json={"email": "maria@example.org"})
    _, _, late = link_in(mailbox.last_to("maria@example.org"))
    clock.advance(61 * 60)
    expired = reader.http.post("/auth/magic", data={"token": late})
    assert expired.status_code == 410
    assert "expired" in expired.text and "60 minutes" in expired.text


def test_forged_and_misused_links_are_refused(anonymous: Reader, mailbox: Mailbox) -> None:
    _signup(anonymous, "petro@example.org")
    _, _, verify_token = link_in(mailbox.last_to("petro@example.org"))
    wrong_kind = anonymous.http.post(
        "/api/v1/auth/magic-link/consume", json={"token": verify_token}
    )
    assert wrong_kind.status_code == 400
    assert wrong_kind.json()["type"].endswith("/link-not-valid")
    forged = anonymous.http.post("/api/v1/auth/verify", json={"token": "x" * 43})
    assert forged.status_code == 400
    assert "copy the whole address" in forged.json()["detail"]
    # The refused attempts did not use up the real link.
    assert (
        anonymous.http.post("/api/v1/auth/verify", json={"token": verify_token}).status_code == 200
    )
