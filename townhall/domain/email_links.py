"""Links sent by email: confirm an address, reset a password, sign in without one.

A link carries a random token; the database keeps only its SHA-256. A link works once,
expires after ``email_link_minutes``, and a newer link of the same kind retires older ones.
Mail goes out after the token's transaction commits. Requests for an unknown address answer
exactly like requests for a known one, so the forms do not reveal who has an account.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any
from urllib.parse import quote

from townhall.domain import accounts, second_factor
from townhall.domain.passwords import hash_password
from townhall.domain.services import Services
from townhall.errors import Conflict, LinkExpired, LinkNotValid, LinkUsed
from townhall.i18n import N_, problem
from townhall.notify.templates import link_mail
from townhall.store import identity as identity_store
from townhall.store import users as user_store

log = logging.getLogger("townhall.email_links")

PURPOSES = ("verify", "reset", "magic")
# Where each link lands on the server (townhall/web/auth_pages.py serves these).
PATHS = {"verify": "/auth/verify", "reset": "/auth/reset", "magic": "/auth/magic"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _minutes(services: Services) -> int:
    return int(services.settings.email_link_minutes)


def _is_external(conn: Any, user: dict[str, Any]) -> bool:
    """Accounts that sign in through their publisher (SSO) or an OpenID provider have no
    password to reset and take no magic links: the publisher decides who they are."""
    return user["password_hash"] is None and bool(identity_store.identities_of(conn, user["id"]))


def _send(
    services: Services, user: dict[str, Any], purpose: str, base_url: str, lang: str | None
) -> None:
    token = secrets.token_urlsafe(32)
    now = services.clock.now_ms()
    with services.db.write() as conn:
        identity_store.retire_email_tokens(conn, user["id"], purpose, now)
        identity_store.create_email_token(
            conn,
            token_hash=_hash(token),
            user_id=user["id"],
            purpose=purpose,
            email=user["email"],
            now=now,
            expires_at=now + _minutes(services) * 60_000,
        )
    link = f"{base_url.rstrip('/')}{PATHS[purpose]}?token={quote(token)}"
    message = link_mail(
        purpose,
        to=user["email"],
        name=user["name"],
        link=link,
        minutes=_minutes(services),
        # Users have no stored language: the request's, else the site's setting (#9).
        lang=lang or str(services.settings.language),
    )
    services.mailer.send(message)


def _consume(conn: Any, services: Services, token: str, purpose: str) -> dict[str, Any]:
    """The token's row, marked used; or an error that says what to do next."""
    again = {
        "verify": N_("Ask for a new confirmation mail from the comment box."),
        "reset": N_("Ask for a new reset link."),
        "magic": N_("Ask for a new sign-in link."),
    }[purpose]
    now = services.clock.now_ms()
    row = identity_store.email_token(conn, _hash(token)) if 0 < len(token) <= 200 else None
    invalid = N_("This link is not valid; copy the whole address from the mail.")
    used = N_("This link was already used; each link works once.")
    if row is None or row["purpose"] != purpose:
        raise problem(LinkNotValid, invalid, again)
    if row["used_at"] is not None:
        raise problem(LinkUsed, used, again)
    if now >= row["expires_at"]:
        expired = N_("This link expired; links work for %(minutes)s minutes.")
        raise problem(LinkExpired, expired, again, minutes=_minutes(services))
    if not identity_store.use_email_token(conn, row["id"], now):
        raise problem(LinkUsed, used, again)
    user = user_store.by_id(conn, row["user_id"])
    if user is None or user["email"] != row["email"]:
        gone = N_("This link was for an address the account no longer has.")
        raise problem(LinkNotValid, gone, again)
    return user


# --- verification -----------------------------------------------------------------------------


def after_signup(
    services: Services, user: dict[str, Any], base_url: str, lang: str | None = None
) -> None:
    """Sends the confirmation mail unless verification is off. A mail server that is down
    does not undo the sign-up: the reader can ask for the mail again."""
    if services.settings.email_verification == "off":
        return
    try:
        _send(services, user, "verify", base_url, lang)
    except OSError:
        log.exception("could not send the confirmation mail to user %s", user["id"])


def request_verification(
    services: Services, user: dict[str, Any], base_url: str, lang: str | None = None
) -> None:
    if user.get("email_verified_at") is not None:
        raise Conflict(f"{user['email']} is already confirmed; there is nothing more to do.")
    _send(services, user, "verify", base_url, lang)


def verify_email(services: Services, token: str) -> dict[str, Any]:
    with services.db.write() as conn:
        user = _consume(conn, services, token, "verify")
        identity_store.mark_email_verified(conn, user["id"], services.clock.now_ms())
        return _reload(conn, user["id"])


# --- password reset ---------------------------------------------------------------------------


def request_password_reset(
    services: Services, email: str, base_url: str, lang: str | None = None
) -> None:
    email = accounts.normalise_email(email)
    with services.db.read() as conn:
        user = user_store.by_email(conn, email)
        if user is None or _is_external(conn, user):
            return
    _send(services, user, "reset", base_url, lang)


def reset_password(
    services: Services, token: str, password: str, totp: str | None = None
) -> dict[str, Any]:
    """Sets the new password, confirms the address (the mail reached its owner) and signs
    out every session: whoever knew the old password is out."""
    accounts.check_password(password)
    password_hash = hash_password(password)
    with services.db.write() as conn:
        user = _consume(conn, services, token, "reset")
        second_factor.check_sign_in_in(conn, services, user, totp)
        user_store.set_password_hash(conn, user["id"], password_hash)
        identity_store.mark_email_verified(conn, user["id"], services.clock.now_ms())
        identity_store.revoke_other_sessions(conn, user["id"], None)
        return _reload(conn, user["id"])


# --- magic-link sign-in -----------------------------------------------------------------------


def request_magic_link(
    services: Services, email: str, base_url: str, lang: str | None = None
) -> None:
    email = accounts.normalise_email(email)
    with services.db.read() as conn:
        user = user_store.by_email(conn, email)
        if user is None or _is_external(conn, user):
            return
    _send(services, user, "magic", base_url, lang)


def consume_magic_link(services: Services, token: str, totp: str | None = None) -> dict[str, Any]:
    with services.db.write() as conn:
        user = _consume(conn, services, token, "magic")
        second_factor.check_sign_in_in(conn, services, user, totp)
        identity_store.mark_email_verified(conn, user["id"], services.clock.now_ms())
        return _reload(conn, user["id"])


def _reload(conn: Any, user_id: int) -> dict[str, Any]:
    user = user_store.by_id(conn, user_id)
    assert user is not None  # noqa: S101 - the row was read in this transaction
    return user
