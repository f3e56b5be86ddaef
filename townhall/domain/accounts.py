"""Sign-up, sign-in, sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy.exc import IntegrityError

from townhall.domain.common_passwords import is_common
from townhall.domain.passwords import hash_password, verify_password
from townhall.domain.services import Services
from townhall.errors import Conflict, InvalidInput, WrongCredentials
from townhall.i18n import N_, problem
from townhall.store import identity as identity_store
from townhall.store import sessions as session_store
from townhall.store import users as user_store

ROLES = ("reader", "moderator", "admin")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_NAME = 80
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise problem(
            InvalidInput,
            N_("'%(email)s' does not look like an email address (name@example.org)."),
            errors=[{"field": "email", "message": "Enter an email address like name@example.org."}],
            email=email,
        )
    return email


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co"} for ch in name):
        raise InvalidInput(
            "The display name contains control characters; use letters, digits and spaces.",
            errors=[{"field": "name", "message": "Remove control characters."}],
        )
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(
            f"The display name must be 1 to {MAX_NAME} characters; it is {len(name)}.",
            errors=[{"field": "name", "message": f"Use 1 to {MAX_NAME} characters."}],
        )
    return name


def check_password(password: str, *personal: str) -> None:
    """Length, then the shipped list of common passwords (and the account's own email
    or name, when given)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise problem(
            InvalidInput,
            N_("The password must be %(low)s to %(high)s characters; it is %(length)s."),
            low=MIN_PASSWORD,
            high=MAX_PASSWORD,
            length=len(password),
            errors=[{"field": "password", "message": f"Use at least {MIN_PASSWORD} characters."}],
        )
    if is_common(password, *personal):
        raise problem(
            InvalidInput,
            N_(
                "This password is one of the first ones attackers try. Choose another: a few"
                " unrelated words make a strong one."
            ),
            errors=[{"field": "password", "message": "Too common; choose another."}],
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "name": user["name"], "email": user["email"], "role": user["role"]}


def create_user(
    services: Services, *, email: str, password: str, name: str, role: str = "reader"
) -> dict[str, Any]:
    email = normalise_email(email)
    name = clean_name(name)
    check_password(password, email, name)
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}; got {role!r}.")
    password_hash = hash_password(password)
    try:
        with services.db.write() as conn:
            if user_store.by_email(conn, email) is not None:
                raise Conflict("An account with this email already exists. Sign in instead.")
            return user_store.create(
                conn,
                email=email,
                name=name,
                password_hash=password_hash,
                role=role,
                now=services.clock.now_ms(),
            )
    except IntegrityError as exc:  # two sign-ups racing on other nodes
        raise Conflict("An account with this email already exists. Sign in instead.") from exc


def start_session(services: Services, user_id: int, user_agent: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = services.clock.now_ms()
    with services.db.write() as conn:
        session_store.create(
            conn,
            token_hash=_token_hash(token),
            user_id=user_id,
            now=now,
            expires_at=now + int(services.settings.session_days) * 86_400_000,
            user_agent=user_agent,
        )
    return token


def sign_in(services: Services, *, email: str, password: str) -> dict[str, Any]:
    email = email.strip().lower()
    with services.db.read() as conn:
        user = user_store.by_email(conn, email)
    # Verify even for an unknown email so both answers take the same time.
    ok = verify_password(user["password_hash"] if user else None, password)
    if user is None or not ok:
        raise WrongCredentials("The email or password is wrong. Check both and try again.")
    return user


def change_password(
    services: Services, user: dict[str, Any], *, current: str, new: str, token: str | None
) -> int:
    """Sets a new password after checking the current one, and signs out every other
    session: whoever learnt the old password is out. Answers how many were signed out."""
    if user.get("password_hash") is None:
        raise Conflict(
            "This account signs in through the publisher's login (or a mailed link) and has"
            " no password here to change."
        )
    if not verify_password(user["password_hash"], current):
        raise WrongCredentials("The current password is wrong; nothing was changed.")
    check_password(new, user["email"], user["name"])
    new_hash = hash_password(new)
    keep = _token_hash(token) if token else None
    with services.db.write() as conn:
        user_store.set_password_hash(conn, user["id"], new_hash)
        return identity_store.revoke_other_sessions(conn, user["id"], keep)


def user_for_token(services: Services, token: str) -> dict[str, Any] | None:
    if not token or len(token) > 200:
        return None
    with services.db.read() as conn:
        return session_store.user_for_token(conn, _token_hash(token), services.clock.now_ms())


def sign_out(services: Services, token: str) -> None:
    with services.db.write() as conn:
        session_store.revoke(conn, _token_hash(token))


def set_role(services: Services, email: str, role: str) -> dict[str, Any]:
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}; got {role!r}.")
    with services.db.write() as conn:
        user = user_store.by_email(conn, normalise_email(email))
        if user is None:
            raise InvalidInput(f"No account has the email {email!r}.")
        user_store.set_role(conn, user["id"], role)
        user["role"] = role
        return user
