"""What every route needs: the services, the signed-in reader, the site, origin checks."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Path, Request
from starlette.responses import Response

from townhall.domain import accounts, addresses, sites
from townhall.domain.services import Services
from townhall.errors import OriginNotAllowed
from townhall.i18n import choose

SESSION_COOKIE = "townhall_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def Id(description: str | None = None) -> Any:  # noqa: N802 - reads like the Path() it returns
    """A row id in a path: bounded so that a huge number is a 422, not a database overflow."""
    return Path(ge=1, le=2**62, description=description)


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def session_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request) -> dict[str, Any] | None:
    token = session_token(request)
    if not token:
        return None
    return accounts.user_for_token(services(request), token)


def own_origin(request: Request) -> str:
    public = str(services(request).settings.public_url).rstrip("/")
    return public or f"{request.url.scheme}://{request.url.netloc}"


def language(request: Request) -> str:
    """The language a mail triggered by this request is written in (#9): the reader's
    Accept-Language among the shipped ones, else the ``language`` setting."""
    return choose(
        None, request.headers.get("accept-language"), str(services(request).settings.language)
    )


def origin_allowed(request: Request, site: dict[str, Any] | None = None) -> bool:
    """Same origin always; otherwise the site's origins (or any site's, for routes that
    name a comment rather than a site)."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    if origin in (own_origin(request), f"{request.url.scheme}://{request.url.netloc}"):
        return True
    if site is not None:
        return origin in sites.allowed_origins(site)
    return origin in sites.all_allowed_origins(services(request))


def guard_origin(request: Request) -> None:
    """Browsers send Origin on every write; a write from a page we do not serve is
    refused, whichever way it authenticates (this is the CSRF defence)."""
    if request.method not in UNSAFE:
        return
    if request.headers.get("origin") is None:
        # Not from a browser page (curl, a server): nothing to forge with, nothing to check.
        if request.headers.get("sec-fetch-site") in (None, "same-origin", "none"):
            return
        raise OriginNotAllowed("Writes from other sites are refused.")
    if not origin_allowed(request):
        raise OriginNotAllowed(
            f"Requests from {request.headers['origin']} are not allowed. Add the origin to"
            " the site's allowed origins (TOWNHALL_SITE_ORIGINS for the default site)."
        )


def client_ip(request: Request) -> str:
    """The reader's address as its keyed hash (#5): rate limits, stored rows and Isso's
    guest accounts compare these; the address itself is never kept."""
    return addresses.hash_address(services(request), _address(request))


def client_network(request: Request) -> str | None:
    """The keyed hash of the reader's /24 or /64, for the brigading checks."""
    return addresses.hash_network(services(request), _address(request))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, media_type="application/json", headers=headers
    )
