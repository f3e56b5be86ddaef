"""Two-factor sign-in for staff (TOTP, RFC 6238) with one-time recovery codes, and the
list of a person's sessions with "sign out everywhere else"."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import pyotp

from townhall.domain.access import STAFF
from townhall.domain.clock import iso
from townhall.domain.services import Services
from townhall.errors import (
    Conflict,
    NotFound,
    SecondFactorEnrolmentRequired,
    SecondFactorRequired,
    SecondFactorWrong,
)
from townhall.i18n import N_, problem
from townhall.store import identity as identity_store
from townhall.store import second_factor as store

RECOVERY_CODES = 10
STEP_SECONDS = 30
ISSUER = "Townhall"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def enrol(services: Services, user: dict[str, Any]) -> dict[str, str]:
    """A new secret for the authenticator app; it counts once confirmed with a code."""
    with services.db.write() as conn:
        current = store.totp_of(conn, user["id"])
        if current is not None and current["confirmed_at"] is not None:
            raise Conflict(
                "Two-factor authentication is already on. Turn it off first"
                " (POST /api/v1/auth/2fa/disable with a code) to set up a new authenticator."
            )
        secret = pyotp.random_base32()
        store.start_totp(conn, user["id"], secret, services.clock.now_ms())
    uri = pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


def _totp_step(services: Services, secret: str, code: str) -> int | None:
    """The time step the code belongs to (one step of drift either way), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = services.clock.now_ms() // 1000 // STEP_SECONDS
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm(services: Services, user: dict[str, Any], code: str) -> list[str]:
    """Turns two-factor on and answers the recovery codes, shown this once."""
    codes = _new_recovery_codes()
    with services.db.write() as conn:
        current = store.totp_of(conn, user["id"])
        if current is None:
            raise NotFound("There is no authenticator to confirm: POST /api/v1/auth/2fa first.")
        if current["confirmed_at"] is not None:
            raise Conflict("Two-factor authentication is already on.")
        step = _totp_step(services, current["secret"], code)
        now = services.clock.now_ms()
        if step is None or not store.use_step(conn, user["id"], step, confirm_at=now):
            raise SecondFactorWrong(_WRONG)
        store.replace_recovery_codes(
            conn, user["id"], [_sha256(_normalise_recovery(c)) for c in codes]
        )
    return codes


_WRONG = N_(
    "The code is not right. Use the 6-digit code your authenticator app shows now (check the"
    " phone's clock), or one of your recovery codes."
)


def _check_code(
    conn: Any, services: Services, user: dict[str, Any], secret: str, code: str
) -> None:
    step = _totp_step(services, secret, code)
    if step is not None:
        if store.use_step(conn, user["id"], step):
            return
        raise SecondFactorWrong("This code was used already; wait for the next one.")
    recovery = _normalise_recovery(code)
    now = services.clock.now_ms()
    if recovery and store.use_recovery_code(conn, user["id"], _sha256(recovery), now):
        return
    raise problem(SecondFactorWrong, _WRONG)


def check_sign_in(services: Services, user: dict[str, Any], code: str | None) -> None:
    """After the password: an account with two-factor on needs its code; staff need
    two-factor at all when ``staff_2fa_required`` is on."""
    with services.db.write() as conn:
        check_sign_in_in(conn, services, user, code)


def check_sign_in_in(conn: Any, services: Services, user: dict[str, Any], code: str | None) -> None:
    """The same check inside a caller's transaction: a mailed link (reset, magic link) is
    only one factor, so it must not start a staff session alone, and a refused code rolls
    the caller back (the link stays usable, the password unchanged)."""
    current = store.totp_of(conn, user["id"])
    enrolled = current is not None and current["confirmed_at"] is not None
    if not enrolled:
        if user["role"] in STAFF and services.settings.staff_2fa_required:
            raise SecondFactorEnrolmentRequired(
                f"This server requires two-factor authentication for {user['role']}s. Set"
                " it up first: POST /api/v1/auth/2fa with your email and password, add the"
                " secret to an authenticator app, confirm with POST /api/v1/auth/2fa/confirm"
                " {email, password, code}, then sign in with {email, password, totp}."
            )
        return
    if not code:
        raise problem(
            SecondFactorRequired,
            N_(
                "This account uses two-factor authentication. Send the 6-digit code from"
                " your authenticator app as `totp` with the rest of the sign-in (a recovery"
                " code works too)."
            ),
        )
    assert current is not None  # noqa: S101
    _check_code(conn, services, user, current["secret"], code)


def disable(services: Services, user: dict[str, Any], code: str) -> None:
    with services.db.write() as conn:
        current = store.totp_of(conn, user["id"])
        if current is None or current["confirmed_at"] is None:
            raise NotFound("Two-factor authentication is not on for this account.")
        _check_code(conn, services, user, current["secret"], code)
        store.remove_totp(conn, user["id"])


def new_recovery_codes(services: Services, user: dict[str, Any], code: str) -> list[str]:
    codes = _new_recovery_codes()
    with services.db.write() as conn:
        current = store.totp_of(conn, user["id"])
        if current is None or current["confirmed_at"] is None:
            raise NotFound("Two-factor authentication is not on for this account.")
        _check_code(conn, services, user, current["secret"], code)
        store.replace_recovery_codes(
            conn, user["id"], [_sha256(_normalise_recovery(c)) for c in codes]
        )
    return codes


def status(services: Services, user: dict[str, Any]) -> dict[str, Any]:
    with services.db.read() as conn:
        current = store.totp_of(conn, user["id"])
        enabled = current is not None and current["confirmed_at"] is not None
        left = store.recovery_codes_left(conn, user["id"]) if enabled else 0
    required = user["role"] in STAFF and bool(services.settings.staff_2fa_required)
    return {"enabled": enabled, "required": required, "recovery_codes_left": left}


# --- sessions ------------------------------------------------------------------------------


def sessions(services: Services, user: dict[str, Any], token: str | None) -> list[dict[str, Any]]:
    current = _sha256(token) if token else None
    with services.db.read() as conn:
        rows = identity_store.sessions_of(conn, user["id"], services.clock.now_ms())
    return [
        {
            "id": r["id"],
            "created_at": iso(r["created_at"]),
            "expires_at": iso(r["expires_at"]),
            "user_agent": r["user_agent"],
            "current": r["token_hash"] == current,
        }
        for r in rows
    ]


def revoke_session(services: Services, user: dict[str, Any], session_id: int) -> None:
    with services.db.write() as conn:
        if not identity_store.revoke_session(conn, user["id"], session_id):
            raise NotFound(
                f"You have no session {session_id}; GET /api/v1/auth/sessions lists them."
            )


def revoke_other_sessions(services: Services, user: dict[str, Any], token: str | None) -> int:
    with services.db.write() as conn:
        return identity_store.revoke_other_sessions(
            conn, user["id"], _sha256(token) if token else None
        )
