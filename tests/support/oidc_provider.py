"""A small OpenID Connect provider on loopback, for the sign-in tests (#5).

It speaks the real protocol: discovery, an authorization endpoint (approving the configured
test user at once, or showing a one-button consent form), a token endpoint that checks the
client's secret, the code, its redirect URI and the PKCE verifier against the challenge,
userinfo, and a JWKS with an RS256 key made at start. Knobs let a test make it misbehave
the ways a hostile or broken provider would (a wrong nonce, a token signed with another key).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.server import free_port

CLIENT_ID = "townhall-test"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105 - a test provider's


@dataclass
class ProviderUser:
    sub: str = "user-1"
    email: str = "ada@provider.example"
    name: str = "Ada Lovelace"
    email_verified: bool = True


@dataclass
class Misbehaviour:
    """What a test wants the provider to get wrong."""

    nonce: str | None = None  # put this nonce in the ID token instead of the one asked for
    foreign_key: bool = False  # sign the ID token with a key the JWKS does not publish
    audience: str | None = None  # another client's id as aud


@dataclass
class OidcProvider:
    port: int
    user: ProviderUser = field(default_factory=ProviderUser)
    auto_approve: bool = True
    wrong: Misbehaviour = field(default_factory=Misbehaviour)
    redirect_uris: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, ProviderUser] = field(default_factory=dict)
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
        # Same kid as the real key: only the signature can tell them apart.
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})

    # --- endpoints ---------------------------------------------------------------------------

    def discovery(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code"],
            }
        )

    def jwks(self, _request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def _authorization_problem(self, params: Any) -> str | None:
        if params.get("client_id") != CLIENT_ID:
            return "unknown client_id"
        if self.redirect_uris and params.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri not registered"
        if params.get("response_type") != "code":
            return "response_type must be code"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE S256 is required"
        if "openid" not in str(params.get("scope", "")).split():
            return "scope must include openid"
        return None

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        problem = self._authorization_problem(params)
        if problem:
            return HTMLResponse(f"<h1>Bad request</h1><p>{escape(problem)}</p>", 400)
        if self.auto_approve:
            return self._approve(dict(params))
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v, quote=True)}">'
            for k, v in params.items()
        )
        return HTMLResponse(
            "<!doctype html><html lang=en><title>Test provider</title><main>"
            f"<h1>Sign in to Townhall as {escape(self.user.name)}?</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<button name="decision" value="allow">Allow</button> '
            '<button name="decision" value="deny">Deny</button></form></main>'
        )

    async def decide(self, request: Request) -> Response:
        form = dict(await request.form())
        params = {k: str(v) for k, v in form.items() if k != "decision"}
        problem = self._authorization_problem(params)
        if problem:
            return HTMLResponse(f"<h1>Bad request</h1><p>{escape(problem)}</p>", 400)
        if form.get("decision") != "allow":
            query = {"error": "access_denied", "state": params.get("state", "")}
            return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", 302)
        return self._approve(params)

    def _approve(self, params: dict[str, str]) -> Response:
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": params["redirect_uri"],
            "challenge": params["code_challenge"],
            "nonce": params.get("nonce"),
            "user": self.user,
            "expires": time.time() + 60,
        }
        query = {"code": code, "state": params.get("state", ""), "iss": self.issuer}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", 302)

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return _error("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type", "only authorization_code")
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["expires"] < time.time():
            return _error("invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error("invalid_grant", "redirect_uri differs from the authorization's")
        verifier = form.get("code_verifier", "")
        if not verifier or create_s256_code_challenge(verifier) != grant["challenge"]:
            return _error("invalid_grant", "PKCE verification failed")
        user: ProviderUser = grant["user"]
        access = secrets.token_urlsafe(24)
        self.tokens[access] = user
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": self.wrong.audience or CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": self.wrong.nonce or grant["nonce"],
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
        }
        key = self.other_key if self.wrong.foreign_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
                "scope": "openid email profile",
            },
            headers={"Cache-Control": "no-store"},
        )

    def userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        user = self.tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if user is None:
            return _error("invalid_token", "unknown access token", 401)
        return JSONResponse(
            {
                "sub": user.sub,
                "email": user.email,
                "email_verified": user.email_verified,
                "name": user.name,
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize, methods=["GET"]),
                Route("/authorize", self.decide, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
            ]
        )


def _error(error: str, description: str, status: int = 400) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status)


@contextmanager
def running_provider() -> Iterator[OidcProvider]:
    """The provider on a free loopback port, in a thread, for the ``with`` block."""
    provider = OidcProvider(port=free_port())
    config = uvicorn.Config(
        provider.app(), host="127.0.0.1", port=provider.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="oidc-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test OIDC provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
