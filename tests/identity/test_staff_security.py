"""Staff protect their accounts with an authenticator app and recovery codes, and see
(and end) their sessions."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, StepClock, link_in
from townhall.domain import accounts
from townhall.domain.services import Services

PASSWORD = "correct horse"


def _staff(make_reader: Any, services: Services, email: str) -> Reader:
    reader: Reader = make_reader("Mira", email=email)
    accounts.set_role(services, email, "moderator")
    return reader


def _sign_in(client: Reader, email: str, **extra: Any) -> Any:
    return client.http.post(
        "/api/v1/auth/signin", json={"email": email, "password": PASSWORD, **extra}
    )


def test_a_moderator_turns_on_two_factor_and_signs_in_with_a_code(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    clock = StepClock(1_800_000_000_000)
    services.clock = clock
    services.settings = services.settings.replace(staff_2fa_required=True)
    mira = _staff(make_reader, services, "mira@example.org")

    enrolled = mira.http.post("/api/v1/auth/2fa")
    assert enrolled.status_code == 201, enrolled.text
    secret = enrolled.json()["secret"]
    assert enrolled.json()["otpauth_uri"].startswith("otpauth://totp/Townhall:mira%40example.org")
    totp = pyotp.TOTP(secret)

    wrong = mira.http.post("/api/v1/auth/2fa/confirm", json={"code": "000000"})
    assert wrong.status_code == 401
    assert wrong.json()["type"].endswith("/second-factor-wrong")
    confirmed = mira.http.post(
        "/api/v1/auth/2fa/confirm", json={"code": totp.at(clock.now // 1000)}
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mira.http.get("/api/v1/auth/2fa").json() == {
        "enabled": True,
        "required": True,
        "recovery_codes_left": 10,
    }

    # On another device: the password alone is not enough, and the answer says what to send.
    asked = _sign_in(anonymous, "mira@example.org")
    assert asked.status_code == 401
    assert asked.json()["type"].endswith("/second-factor-required")
    assert "`totp`" in asked.json()["detail"]
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401

    clock.advance(30)
    code = totp.at(clock.now // 1000)
    done = _sign_in(anonymous, "mira@example.org", totp=code)
    assert done.status_code == 200, done.text
    assert done.json()["user"]["role"] == "moderator"
    # The same code does not work twice.
    phone = Reader(anonymous.http.app)
    replay = _sign_in(phone, "mira@example.org", totp=code)
    assert replay.status_code == 401
    assert "used already" in replay.json()["detail"]

    # A recovery code works once.
    recovered = _sign_in(phone, "mira@example.org", totp=codes[3].upper())
    assert recovered.status_code == 200
    again = _sign_in(Reader(anonymous.http.app), "mira@example.org", totp=codes[3])
    assert again.status_code == 401
    assert mira.http.get("/api/v1/auth/2fa").json()["recovery_codes_left"] == 9


def test_a_mailed_link_alone_does_not_sign_in_an_account_with_two_factor(
    make_reader: Any, anonymous: Reader, services: Services, mailbox: Mailbox
) -> None:
    """Whoever reads a moderator's mail still needs the authenticator: magic links and
    password resets ask for the code, and a refused code leaves the link and password as
    they were."""
    clock = StepClock(1_800_000_000_000)
    services.clock = clock
    mira = _staff(make_reader, services, "mira@example.org")
    secret = mira.http.post("/api/v1/auth/2fa").json()["secret"]
    totp = pyotp.TOTP(secret)
    code = totp.at(clock.now // 1000)
    assert mira.http.post("/api/v1/auth/2fa/confirm", json={"code": code}).status_code == 200

    anonymous.http.post("/api/v1/auth/magic-link", json={"email": "mira@example.org"})
    _, _, magic = link_in(mailbox.last_to("mira@example.org"))
    alone = anonymous.http.post("/api/v1/auth/magic-link/consume", json={"token": magic})
    assert alone.status_code == 401
    assert alone.json()["type"].endswith("/second-factor-required")
    page = anonymous.http.post("/auth/magic", data={"token": magic, "totp": "000000"})
    assert page.status_code == 401
    assert "code is not right" in page.text
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401
    clock.advance(30)
    with_code = anonymous.http.post(
        "/auth/magic", data={"token": magic, "totp": totp.at(clock.now // 1000)}
    )
    assert with_code.status_code == 200, with_code.text
    assert anonymous.http.get("/api/v1/auth/me").json()["user"]["role"] == "moderator"

    stranger = Reader(anonymous.http.app)
    stranger.http.post("/api/v1/auth/password-reset", json={"email": "mira@example.org"})
    _, _, reset = link_in(mailbox.last_to("mira@example.org"))
    taken = {"token": reset, "password": "taken over!"}
    refused = stranger.http.post("/api/v1/auth/password-reset/confirm", json=taken)
    assert refused.status_code == 401
    assert (
        _sign_in(stranger, "mira@example.org").json()["type"].endswith("/second-factor-required")
    )  # the old password still stands
    clock.advance(30)
    changed = stranger.http.post(
        "/api/v1/auth/password-reset/confirm",
        json={**taken, "totp": totp.at(clock.now // 1000)},
    )
    assert changed.status_code == 200, changed.text


def test_staff_who_must_use_two_factor_set_it_up_with_their_password(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    clock = StepClock(1_800_000_000_000)
    services.clock = clock
    _staff(make_reader, services, "ana@example.org")
    services.settings = services.settings.replace(staff_2fa_required=True)

    refused = _sign_in(anonymous, "ana@example.org")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/second-factor-enrolment-required")
    assert "POST /api/v1/auth/2fa" in refused.json()["detail"]

    creds = {"email": "ana@example.org", "password": PASSWORD}
    bad = anonymous.http.post("/api/v1/auth/2fa", json={**creds, "password": "wrong one!"})
    assert bad.status_code == 401
    secret = anonymous.http.post("/api/v1/auth/2fa", json=creds).json()["secret"]
    code = pyotp.TOTP(secret).at(clock.now // 1000)
    assert (
        anonymous.http.post("/api/v1/auth/2fa/confirm", json={**creds, "code": code}).status_code
        == 200
    )
    clock.advance(30)
    code = pyotp.TOTP(secret).at(clock.now // 1000)
    assert _sign_in(anonymous, "ana@example.org", totp=code).status_code == 200

    # Readers are not asked for anything.
    reader = make_reader("Pat", email="pat@example.org")
    assert _sign_in(reader, "pat@example.org").status_code == 200


def test_sessions_are_listed_and_signed_out_one_by_one_or_everywhere_else(
    make_reader: Any, anonymous: Reader
) -> None:
    laptop = make_reader("Ola", email="ola@example.org")
    phone = Reader(anonymous.http.app)
    phone.http.headers["User-Agent"] = "Phone browser"
    tablet = Reader(anonymous.http.app)
    assert _sign_in(phone, "ola@example.org").status_code == 200
    assert _sign_in(tablet, "ola@example.org").status_code == 200

    listed = laptop.http.get("/api/v1/auth/sessions")
    assert listed.status_code == 200
    sessions = listed.json()["sessions"]
    assert len(sessions) == 3
    assert [s["current"] for s in sessions].count(True) == 1
    assert {"Phone browser"} <= {s["user_agent"] for s in sessions}
    assert all(s["created_at"].endswith("Z") for s in sessions)

    phone_session = next(s for s in sessions if s["user_agent"] == "Phone browser")
    assert laptop.http.delete(f"/api/v1/auth/sessions/{phone_session['id']}").status_code == 204
    assert phone.http.get("/api/v1/auth/me").status_code == 401
    gone = laptop.http.delete(f"/api/v1/auth/sessions/{phone_session['id']}")
    assert gone.status_code == 404

    # Someone else's session cannot be ended, nor even seen to exist.
    stranger = make_reader("Ivo")
    assert stranger.http.delete(f"/api/v1/auth/sessions/{sessions[0]['id']}").status_code == 404

    everywhere = laptop.http.post("/api/v1/auth/sessions/revoke-others")
    assert everywhere.json() == {"revoked": 1}
    assert tablet.http.get("/api/v1/auth/me").status_code == 401
    assert laptop.http.get("/api/v1/auth/me").status_code == 200
    assert len(laptop.http.get("/api/v1/auth/sessions").json()["sessions"]) == 1
    assert anonymous.http.get("/api/v1/auth/sessions").status_code == 401
