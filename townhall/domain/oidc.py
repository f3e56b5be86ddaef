"""Sign-in through an OpenID Connect provider (Google, Microsoft, a newsroom's Keycloak),
configured per site by its admins.

The comment box sends the reader's browser, top level, to ``start``: a state, a nonce and a
PKCE verifier are kept in ``oidc_states`` (ten minutes, single use) and the browser goes on to
the provider. The provider sends it back to the one callback address with a code; ``finish``
takes the state, exchanges the code, verifies the ID token and reads userinfo, then finds or
creates the account by (provider, subject) in ``external_identities`` (the same mapping the
publisher SSO uses). The browser goes back to the article with a one-time hand-off token in
the URL fragment; the box trades it for a session (``take_handoff``), so the flow works the
same whether the box runs on Townhall's origin or on the publisher's.

An address from a provider is never a key to an existing account: a password account with
the same email is left alone and the reader is told to sign in with the password.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.parse
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from townhall.domain import accounts, oidc_client, second_factor, sites
from townhall.domain.access import access_admin
from townhall.domain.services import Services
from townhall.errors import Conflict, InvalidInput, NotFound, OidcFailed
from townhall.store import identity as identity_store
from townhall.store import oidc as store
from townhall.store import sites as site_store
from townhall.store import users as user_store

STATE_SECONDS = 600
HANDOFF_SECONDS = 120
HANDOFF = "oidc"  # the email_tokens purpose of a hand-off token
CALLBACK_PATH = "/api/v1/auth/oidc/callback"
DEFAULT_SCOPE = "openid email profile"
MAX_NAME = 64


def provider_key(provider: dict[str, Any]) -> str:
    """external_identities.provider of this provider's accounts."""
    return f"oidc:{provider['id']}"


def _masked(secret: str) -> str:
    return "…" + secret[-4:] if len(secret) >= 12 else "…"


def admin_view(provider: dict[str, Any], callback_url: str) -> dict[str, Any]:
    """What admins see: everything but the secret, which shows its last four characters."""
    return {
        "id": provider["id"],
        "name": provider["name"],
        "issuer": provider["issuer"],
        "client_id": provider["client_id"],
        "client_secret": _masked(provider["client_secret"]),
        "scope": provider["scope"],
        "callback_url": callback_url,
        "created_at": provider["created_at"],
    }


# --- configuration ---------------------------------------------------------------------------


def add_provider(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    scope: str = DEFAULT_SCOPE,
    trusted: bool = False,
) -> dict[str, Any]:
    """Adds a provider to a site (admins; ``trusted`` for the command line)."""
    if not trusted:
        access_admin(user, "configure sign-in providers")
    found = sites.get_site(services, site)
    name = " ".join(name.split())
    issuer = issuer.strip().rstrip("/")
    scope = " ".join(scope.split()) or DEFAULT_SCOPE
    problems = []
    if not 1 <= len(name) <= MAX_NAME:
        problems.append({"field": "name", "message": f"Use 1 to {MAX_NAME} characters."})
    if not client_id.strip():
        problems.append({"field": "client_id", "message": "Copy the client id from the provider."})
    if not client_secret:
        problems.append(
            {"field": "client_secret", "message": "Copy the client secret from the provider."}
        )
    if "openid" not in scope.split():
        problems.append({"field": "scope", "message": "The scope must include openid."})
    try:
        oidc_client.check_url(issuer, "issuer URL")
    except OidcFailed as exc:
        problems.append({"field": "issuer", "message": exc.detail})
    if problems:
        summary = " ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise InvalidInput(f"The provider needs fixing. {summary}", errors=problems)
    try:
        with services.db.write() as conn:
            return store.add_provider(
                conn,
                site_id=found["id"],
                name=name,
                issuer=issuer,
                client_id=client_id.strip(),
                client_secret=client_secret,
                scope=scope,
                now=services.clock.now_ms(),
            )
    except IntegrityError as exc:
        raise Conflict(f"Site {site!r} already has a provider called {name!r}.") from exc


def remove_provider(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    provider_id: int,
    trusted: bool = False,
) -> None:
    """Removes the provider. Accounts made through it stay; they sign in another way."""
    if not trusted:
        access_admin(user, "configure sign-in providers")
    found = sites.get_site(services, site)
    with services.db.write() as conn:
        if not store.remove_provider(conn, found["id"], provider_id):
            raise NotFound(f"Site {site!r} has no sign-in provider {provider_id}.")


def providers(
    services: Services, *, user: dict[str, Any] | None, site: str, trusted: bool = False
) -> list[dict[str, Any]]:
    if not trusted:
        access_admin(user, "see sign-in providers")
    found = sites.get_site(services, site)
    with services.db.read() as conn:
        return store.providers_of(conn, found["id"])


def public_providers(services: Services, site: dict[str, Any]) -> list[dict[str, Any]]:
    """What the comment box may know: each provider's id and name, nothing more."""
    with services.db.read() as conn:
        return [{"id": p["id"], "name": p["name"]} for p in store.providers_of(conn, site["id"])]


def _provider(conn: Connection, provider_id: int) -> dict[str, Any]:
    found = store.provider(conn, provider_id)
    if found is None:
        raise NotFound(
            f"There is no sign-in provider {provider_id}; the site's configuration lists them."
        )
    return found


# --- the flow --------------------------------------------------------------------------------


def _return_to(site: dict[str, Any], return_to: str, own_origin: str) -> str:
    """An address on one of the site's pages (or Townhall's own): never anywhere else, or a
    sign-in link could send readers, and their hand-off token, to a stranger's page."""
    parts = urllib.parse.urlsplit(return_to)
    origin = f"{parts.scheme}://{parts.netloc}"
    allowed = set(sites.allowed_origins(site)) | {own_origin.rstrip("/")}
    if parts.scheme not in ("http", "https") or origin not in allowed or len(return_to) > 2000:
        raise InvalidInput(
            f"return_to must be a page of site {site['slug']!r} (one of its allowed origins:"
            f" {', '.join(sorted(allowed))}); got {return_to[:200]!r}.",
            errors=[{"field": "return_to", "message": "Use the article's own address."}],
        )
    return urllib.parse.urlunsplit(parts._replace(fragment=""))


def start(services: Services, *, provider_id: int, return_to: str, own_origin: str) -> str:
    """Keeps the state and answers the provider's authorization URL."""
    with services.db.read() as conn:
        provider = _provider(conn, provider_id)
        site = site_store.by_id(conn, provider["site_id"])
        assert site is not None  # noqa: S101 - the provider's foreign key
    back = _return_to(site, return_to, own_origin)
    meta = oidc_client.discover(services, provider["issuer"])
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters; RFC 7636 asks 43 to 128
    now = services.clock.now_ms()
    with services.db.write() as conn:
        store.purge_states(conn, now)
        store.save_state(
            conn,
            state=state,
            provider_id=provider["id"],
            code_verifier=verifier,
            nonce=nonce,
            return_to=back,
            expires_at=now + STATE_SECONDS * 1000,
        )
    return oidc_client.authorization_url(
        meta,
        provider,
        redirect_uri=own_origin.rstrip("/") + CALLBACK_PATH,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )


def take_state(services: Services, state: str) -> dict[str, Any]:
    """The pending sign-in the state names, used up; or OidcFailed saying why not."""
    again = "Go back to the article and choose the sign-in button again."
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row = store.take_state(conn, state) if 0 < len(state) <= 64 else None
        if row is None:
            raise OidcFailed(
                f"This sign-in is unknown or was already completed (each works once). {again}"
            )
        if now >= row["expires_at"]:
            raise OidcFailed(
                f"This sign-in took longer than {STATE_SECONDS // 60} minutes and expired. {again}"
            )
        row["provider"] = _provider(conn, row["provider_id"])
    return row


def finish(
    services: Services, pending: dict[str, Any], *, code: str, own_origin: str
) -> tuple[dict[str, Any], str]:
    """After the provider: the account signed in, and a one-time hand-off token for it."""
    provider = pending["provider"]
    meta = oidc_client.discover(services, provider["issuer"])
    token = oidc_client.exchange_code(
        meta,
        provider,
        code=code,
        code_verifier=pending["code_verifier"],
        redirect_uri=own_origin.rstrip("/") + CALLBACK_PATH,
    )
    claims = oidc_client.verify_id_token(services, meta, provider, token, nonce=pending["nonce"])
    subject = str(claims["sub"])
    info = {**claims, **oidc_client.userinfo(meta, token, subject)}
    profile = _profile(provider, subject, info)
    now = services.clock.now_ms()
    try:
        with services.db.write() as conn:
            user = _find_or_create(conn, provider, profile, now)
            handoff = secrets.token_urlsafe(32)
            identity_store.create_email_token(
                conn,
                token_hash=_hash(handoff),
                user_id=user["id"],
                purpose=HANDOFF,
                email=user["email"],
                now=now,
                expires_at=now + HANDOFF_SECONDS * 1000,
            )
    except IntegrityError as exc:  # the same reader arriving twice at once
        raise Conflict("This account is being created by another request; try again.") from exc
    return user, handoff


def _profile(provider: dict[str, Any], subject: str, info: dict[str, Any]) -> dict[str, Any]:
    email = info.get("email")
    if not email:
        raise OidcFailed(
            f"{provider['name']} did not share an email address, and an account here needs"
            f" one. Allow {provider['name']} to share it, or sign up with email and password."
        )
    name = info.get("name") or info.get("preferred_username") or str(email).split("@")[0]
    try:
        name = accounts.clean_name(str(name)[: accounts.MAX_NAME])
    except InvalidInput:
        name = accounts.clean_name(str(email).split("@")[0][: accounts.MAX_NAME])
    return {
        "sub": subject[:255],
        "email": accounts.normalise_email(str(email)),
        # Only true counts: a missing or "false" claim leaves the address unconfirmed.
        "email_verified": info.get("email_verified") is True,
        "name": name,
    }


def _find_or_create(
    conn: Connection, provider: dict[str, Any], profile: dict[str, Any], now: int
) -> dict[str, Any]:
    key = provider_key(provider)
    linked = identity_store.identity(conn, provider["site_id"], key, profile["sub"])
    stored = json.dumps(profile, sort_keys=True)
    if linked is not None:
        identity_store.resync_identity(conn, linked["id"], profile=stored, synced_iat=now // 1000)
        user = user_store.by_id(conn, linked["user_id"])
        assert user is not None  # noqa: S101 - the identity's foreign key
        return user
    if user_store.by_email(conn, profile["email"]) is not None:
        raise Conflict(
            f"{profile['email']} already has an account here. Sign in the way you did before"
            f" (email and password, or a sign-in link); {provider['name']} cannot take it over."
        )
    user = user_store.create(
        conn,
        email=profile["email"],
        name=profile["name"],
        password_hash=None,
        role="reader",
        now=now,
    )
    if profile["email_verified"]:
        identity_store.mark_email_verified(conn, user["id"], now)
    identity_store.link_identity(
        conn,
        site_id=provider["site_id"],
        provider=key,
        subject=profile["sub"],
        user_id=user["id"],
        profile=stored,
        synced_iat=now // 1000,
        now=now,
    )
    return user


def back_to_article(return_to: str, handoff: str) -> str:
    """The article's address with the hand-off token in the fragment: fragments never
    reach a server, so the token is not in any access log or Referer."""
    return f"{return_to}#townhall-oidc={urllib.parse.quote(handoff)}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def take_handoff(services: Services, token: str, totp: str | None = None) -> dict[str, Any]:
    """The account a hand-off token names, the token used up. Staff with two-factor on
    add their code: a provider's sign-in is one factor."""
    again = "Choose the sign-in button again."
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row = identity_store.email_token(conn, _hash(token)) if 0 < len(token) <= 200 else None
        if row is None or row["purpose"] != HANDOFF:
            raise OidcFailed(f"This sign-in hand-off is not valid. {again}")
        if row["used_at"] is not None or not identity_store.use_email_token(conn, row["id"], now):
            raise OidcFailed(f"This sign-in hand-off was already used. {again}")
        if now >= row["expires_at"]:
            raise OidcFailed(f"This sign-in hand-off expired ({HANDOFF_SECONDS} seconds). {again}")
        user = user_store.by_id(conn, row["user_id"])
        if user is None:
            raise OidcFailed(f"The account of this sign-in no longer exists. {again}")
        second_factor.check_sign_in_in(conn, services, user, totp)
        return user
