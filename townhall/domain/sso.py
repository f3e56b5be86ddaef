"""Sign-in through the publisher's own login (SSO).

The publisher's back end signs a short-lived JWT for the signed-in subscriber; the comment
box hands it to ``POST /api/v1/auth/sso``. The claims are Coral's, so a newsroom moving from
Coral keeps its integration: ``user.id`` (required), ``user.email`` (required),
``user.username`` (required), ``user.badges``, ``user.role``, ``user.url``; ``iat``
(required) orders profile updates, ``exp`` and ``aud`` are checked when present.

Keys live per site: HS256 secrets, or RS256/ES256 public keys (PEM). Adding a key gives the
ones before it ``overlap_seconds`` more life, so a publisher can rotate without downtime.

PyJWT (and the cryptography it loads for RS256/ES256) is imported on the first sign-in, not
at start: every worker held it, most never see an SSO token (#7).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from townhall.domain import accounts
from townhall.domain.services import Services
from townhall.errors import Conflict, InvalidInput, SsoTokenRefused
from townhall.store import identity as identity_store
from townhall.store import users as user_store

ALGORITHMS = ("HS256", "RS256", "ES256")
PROVIDER = "sso"
LEEWAY_SECONDS = 30
CORAL_ROLES = {"ADMIN": "admin", "MODERATOR": "moderator"}


def add_key(
    services: Services,
    site: dict[str, Any],
    *,
    algorithm: str = "HS256",
    key: str | None = None,
    overlap_seconds: int = 86_400,
) -> str:
    """Adds a signing key for the site and returns it (a new random secret for HS256 when
    none is given). Older keys keep working for ``overlap_seconds``."""
    if algorithm not in ALGORITHMS:
        raise InvalidInput(
            f"The algorithm must be one of {', '.join(ALGORITHMS)}; got {algorithm!r}."
        )
    if algorithm == "HS256":
        key = key or secrets.token_urlsafe(48)
        if len(key) < 32:
            raise InvalidInput("An HS256 secret needs at least 32 characters; use a random one.")
    elif not key or "PUBLIC KEY" not in key:
        raise InvalidInput(f"{algorithm} needs the publisher's public key in PEM form.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        identity_store.add_sso_key(
            conn,
            site_id=site["id"],
            algorithm=algorithm,
            key=key,
            now=now,
            retire_others_at=now + max(0, overlap_seconds) * 1000,
        )
    return key


def _claims(services: Services, site: dict[str, Any], token: str) -> dict[str, Any]:
    if not token or len(token) > 8192:
        raise SsoTokenRefused("The sign-in token is missing or too long; send the JWT as `token`.")
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise SsoTokenRefused(f"The sign-in token is not a JWT ({exc}).") from exc
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise SsoTokenRefused(
            f"The sign-in token is signed with {algorithm!r}; use one of {', '.join(ALGORITHMS)}."
        )
    now = services.clock.now_ms()
    with services.db.read() as conn:
        keys = identity_store.live_sso_keys(conn, site["id"], now)
    candidates = [k for k in keys if k["algorithm"] == algorithm]
    if not candidates:
        raise SsoTokenRefused(
            f"Site {site['slug']!r} has no {algorithm} key for sign-in tokens; add one first."
        )
    last_error: jwt.InvalidTokenError | None = None
    for key in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key["key"],
                algorithms=[algorithm],
                options={"require": ["iat"], "verify_aud": False, "verify_iat": False},
                leeway=LEEWAY_SECONDS,
            )
            break
        except jwt.InvalidSignatureError as exc:
            last_error = exc
        except jwt.ExpiredSignatureError as exc:
            raise SsoTokenRefused(
                "The sign-in token expired; sign a fresh one per page view."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise SsoTokenRefused(f"The sign-in token was refused: {exc}.") from exc
    else:
        raise SsoTokenRefused(
            f"The sign-in token's signature does not match site {site['slug']!r}'s keys."
        ) from last_error
    _check_times(services, claims, now)
    _check_audience(services, site, claims)
    return claims


def _check_times(services: Services, claims: dict[str, Any], now_ms: int) -> None:
    iat = claims["iat"]
    if not isinstance(iat, int | float):
        raise SsoTokenRefused("The sign-in token's iat must be a number (seconds since 1970).")
    now = now_ms / 1000
    max_age = int(services.settings.sso_max_age_seconds)
    if iat > now + LEEWAY_SECONDS:
        raise SsoTokenRefused("The sign-in token was issued in the future; check the clock.")
    if "exp" not in claims and now - iat > max_age + LEEWAY_SECONDS:
        raise SsoTokenRefused(
            f"The sign-in token is {int(now - iat)} seconds old; tokens without exp are accepted"
            f" for {max_age} seconds. Sign a fresh one per page view."
        )


def _check_audience(services: Services, site: dict[str, Any], claims: dict[str, Any]) -> None:
    if "aud" not in claims:
        return
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    accepted = {site["slug"], str(services.settings.public_url).rstrip("/")} - {""}
    if not accepted.intersection(str(a).rstrip("/") for a in audience):
        raise SsoTokenRefused(
            f"The sign-in token is meant for {audience!r}, not this site; set aud to"
            f" {site['slug']!r} or leave it out."
        )


def _profile(claims: dict[str, Any]) -> dict[str, Any]:
    user = claims.get("user")
    if not isinstance(user, dict):
        raise SsoTokenRefused("The sign-in token needs a `user` object with id, email, username.")
    missing = [k for k in ("id", "email", "username") if not user.get(k)]
    if missing:
        raise SsoTokenRefused(f"The sign-in token's user lacks {', '.join(missing)}.")
    badges = user.get("badges") or []
    return {
        "id": str(user["id"])[:255],
        "email": accounts.normalise_email(str(user["email"])),
        "username": accounts.clean_name(str(user["username"])),
        "badges": [str(b)[:40] for b in badges][:20] if isinstance(badges, list) else [],
        "role": str(user.get("role") or "COMMENTER").upper(),
        "url": str(user.get("url") or "")[:2000] or None,
    }


def sign_in(services: Services, site: dict[str, Any], token: str) -> dict[str, Any]:
    """Creates or updates the account the token describes; returns it."""
    claims = _claims(services, site, token)
    profile = _profile(claims)
    iat = int(claims["iat"])
    role = "reader"
    if services.settings.sso_roles:
        role = CORAL_ROLES.get(profile["role"], "reader")
    now = services.clock.now_ms()
    try:
        with services.db.write() as conn:
            return _upsert(conn, site, profile, iat, role, now, bool(services.settings.sso_roles))
    except IntegrityError as exc:  # the same reader arriving twice at once
        raise Conflict("This account is being created by another request; try again.") from exc


def _upsert(
    conn: Connection,
    site: dict[str, Any],
    profile: dict[str, Any],
    iat: int,
    role: str,
    now: int,
    sync_role: bool,
) -> dict[str, Any]:
    linked = identity_store.identity(conn, site["id"], PROVIDER, profile["id"])
    stored = json.dumps(profile, sort_keys=True)
    if linked is None:
        if user_store.by_email(conn, profile["email"]) is not None:
            raise Conflict(
                f"{profile['email']} already has an account that signs in with a password;"
                " the reader must use it, or the site must send another address."
            )
        user = user_store.create(
            conn,
            email=profile["email"],
            name=profile["username"],
            password_hash=None,
            role=role,
            now=now,
        )
        identity_store.mark_email_verified(conn, user["id"], now)
        identity_store.link_identity(
            conn,
            site_id=site["id"],
            provider=PROVIDER,
            subject=profile["id"],
            user_id=user["id"],
            profile=stored,
            synced_iat=iat,
            now=now,
        )
    elif iat > linked["synced_iat"]:
        # A newer token than the last one seen: the publisher's profile wins.
        owner = user_store.by_email(conn, profile["email"])
        if owner is not None and owner["id"] != linked["user_id"]:
            raise Conflict(f"{profile['email']} belongs to another account on this server.")
        identity_store.set_profile(
            conn, linked["user_id"], email=profile["email"], name=profile["username"]
        )
        if sync_role:
            user_store.set_role(conn, linked["user_id"], role)
        identity_store.resync_identity(conn, linked["id"], profile=stored, synced_iat=iat)
    user = user_store.by_id(conn, linked["user_id"] if linked else user["id"])
    assert user is not None  # noqa: S101
    return user
