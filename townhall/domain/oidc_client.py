"""Talking to an OpenID Connect provider: discovery, the authorization URL, the code
exchange, ID-token verification and userinfo.

The protocol is Authlib's (authorization URL with PKCE S256, token request, client
authentication, the ID-token claim rules) and joserfc's (signatures against the provider's
JWKS). The transport is the standard library's urllib, as for the external moderation
checker: no HTTP client package joins the server's locked dependencies for four requests.
Discovery documents and key sets are cached for an hour; an ID token signed with a key id
the cached set lacks fetches the set again (the provider rotated its keys).

Authlib and joserfc (with cryptography) are imported by the functions that use them: a
sign-in through a provider is rare next to reading comments, and loaded at start they held
~10 MB in every worker, most of which never sign anyone in this way (#7).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from townhall.domain.services import Services
from townhall.errors import OidcFailed, OidcProviderUnreachable

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

TIMEOUT_SECONDS = 8
MAX_ANSWER_BYTES = 512 * 1024
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 120
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_url(url: str, what: str) -> str:
    """https, or plain http to this machine only (a provider run for development or tests)."""
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https"
    local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not parts.hostname or not (secure or local):
        raise OidcFailed(f"The provider's {what} must be an https:// address; got {url!r}.")
    return url


def _fetch(
    url: str,
    what: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One JSON request. An answer with an OAuth error body becomes OidcFailed with the
    provider's words; no answer at all becomes OidcProviderUnreachable."""
    check_url(url, what)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, headers={"Accept": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = _oauth_error(exc)
        raise OidcFailed(f"The provider refused the {what} request ({detail}).") from exc
    except (OSError, ValueError) as exc:
        raise OidcProviderUnreachable(
            f"The sign-in provider could not be reached for its {what} ({exc}). Try again"
            " later, or sign in another way."
        ) from exc
    if len(body) > MAX_ANSWER_BYTES:
        raise OidcFailed(f"The provider's {what} answer is larger than {MAX_ANSWER_BYTES} bytes.")
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise OidcFailed(f"The provider's {what} answer is not JSON.") from exc
    if not isinstance(parsed, dict):
        raise OidcFailed(f"The provider's {what} answer is not a JSON object.")
    return parsed


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(8192) or b"{}")
    except (OSError, ValueError):
        body = {}
    if isinstance(body, dict) and body.get("error"):
        words = str(body.get("error_description") or "")[:300]
        return f"HTTP {exc.code}, {str(body['error'])[:60]}{': ' + words if words else ''}"
    return f"HTTP {exc.code}"


def _cached(services: Services, key: str) -> dict[str, Any] | None:
    raw = services.cache.get(key)
    return json.loads(raw) if raw else None


def discover(services: Services, issuer: str) -> dict[str, Any]:
    """The provider's metadata (``/.well-known/openid-configuration``), cached."""
    key = f"oidc:meta:{issuer}"
    found = _cached(services, key)
    if found is not None:
        return found
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    meta = _fetch(url, "discovery document")
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the same issuer.
    if str(meta.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise OidcFailed(
            f"The discovery document at {url} names issuer {meta.get('issuer')!r}, not"
            f" {issuer!r}; correct the provider's issuer URL."
        )
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if k not in meta]
    if missing:
        raise OidcFailed(f"The discovery document at {url} lacks {', '.join(missing)}.")
    services.cache.set(key, json.dumps(meta).encode(), CACHE_SECONDS)
    return meta


def _key_set(services: Services, meta: dict[str, Any], *, fresh: bool = False) -> KeySet:
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    key = f"oidc:jwks:{meta['jwks_uri']}"
    found = None if fresh else _cached(services, key)
    if found is None:
        found = _fetch(str(meta["jwks_uri"]), "signing keys (JWKS)")
        services.cache.set(key, json.dumps(found).encode(), CACHE_SECONDS)
    try:
        return KeySet.import_key_set(found)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcFailed(f"The provider's signing keys could not be read ({exc}).") from exc


def authorization_url(
    meta: dict[str, Any],
    provider: dict[str, Any],
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
) -> str:
    """The address the reader's browser goes to: authorization code flow with PKCE S256."""
    from authlib.oauth2.client import OAuth2Client

    client = OAuth2Client(
        None,
        client_id=provider["client_id"],
        scope=provider["scope"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        check_url(str(meta["authorization_endpoint"]), "authorization endpoint"),
        state=state,
        code_verifier=code_verifier,
        nonce=nonce,
    )
    return str(url)


def _auth_method(meta: dict[str, Any]) -> str:
    # The default of RFC 8414 is client_secret_basic; some providers take only _post.
    supported = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def exchange_code(
    meta: dict[str, Any],
    provider: dict[str, Any],
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    """Trades the code (and the PKCE verifier) for tokens at the token endpoint."""
    from authlib.oauth2.auth import ClientAuth
    from authlib.oauth2.rfc6749.parameters import prepare_token_request

    url = str(meta["token_endpoint"])
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    auth = ClientAuth(provider["client_id"], provider["client_secret"], _auth_method(meta))
    url, headers, body = auth.prepare("POST", url, headers, body)
    token = _fetch(url, "token", data=body.encode(), headers=headers)
    if not token.get("id_token") or not token.get("access_token"):
        raise OidcFailed(
            "The provider's token answer has no ID token; is the scope missing `openid`?"
        )
    return token


def verify_id_token(
    services: Services,
    meta: dict[str, Any],
    provider: dict[str, Any],
    token: dict[str, Any],
    *,
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS), issuer, audience,
    expiry and nonce have all been checked."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError, JoseError
    from joserfc.jws import JWSRegistry

    algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    # An unsigned token or one "signed" with the client secret's HMAC proves nothing here.
    algorithms = [a for a in algorithms if a != "none" and not str(a).startswith("HS")]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    raw = str(token["id_token"])
    try:
        try:
            decoded = jwt.decode(raw, _key_set(services, meta), registry=registry)
        except InvalidKeyIdError:
            decoded = jwt.decode(raw, _key_set(services, meta, fresh=True), registry=registry)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": str(meta["issuer"])},
                "aud": {"essential": True, "value": provider["client_id"]},
                "nonce": {"essential": True, "value": nonce},
            },
            {
                "nonce": nonce,
                "client_id": provider["client_id"],
                "access_token": token["access_token"],
            },
        )
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise OidcFailed(f"The provider's ID token was refused: {_words(exc)}") from exc
    return dict(claims)


def _words(exc: Exception) -> str:
    text = getattr(exc, "description", None) or str(exc) or type(exc).__name__
    return text if text.endswith(".") else text + "."


def userinfo(meta: dict[str, Any], token: dict[str, Any], subject: str) -> dict[str, Any]:
    """The provider's userinfo for the access token; {} when it has no such endpoint."""
    endpoint = meta.get("userinfo_endpoint")
    if not endpoint:
        return {}
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    info = _fetch(str(endpoint), "userinfo", headers=headers)
    # OpenID Connect Core 5.3.2: userinfo for another subject must not be used.
    if str(info.get("sub")) != subject:
        raise OidcFailed("The provider's userinfo is about another account than its ID token.")
    return info
