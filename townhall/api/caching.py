"""HTTP caching of anonymous reads: ETag, If-None-Match -> 304, Cache-Control."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from townhall.api.deps import json_response, services
from townhall.domain import broadcast

ETAG_LENGTH = 34  # a quoted 32-digit hex digest
# Whoever is signed in sees their own pending comments and edit buttons: never shared.
PRIVATE = {"Cache-Control": "private, no-store"}


def _with_etag(body: bytes) -> bytes:
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return f'"{digest}"'.encode() + body


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weakly compared, as RFC 9110 says)."""
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in if_none_match.split(","))


def _matches(request: Request, etag: str) -> bool:
    return etag_matches(request.headers.get("if-none-match", ""), etag)


def _public(request: Request, etag: str, body: bytes) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={int(services(request).settings.cache_max_age)}",
        "Vary": "Cookie, Authorization",
    }
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def public_json_response(request: Request, data: Any) -> Response:
    """The same for everyone (comment counts): an ETag, and 304 when it still matches."""
    stored = _with_etag(orjson.dumps(data))
    return _public(request, stored[:ETAG_LENGTH].decode(), stored[ETAG_LENGTH:])


def thread_page_response(
    request: Request,
    *,
    user: dict[str, Any] | None,
    site_slug: str,
    thread_key: str,
    variant: str,
    render: Callable[[], dict[str, Any]],
) -> Response:
    """Anonymous readers get the cached bytes (or 304); signed-in readers a fresh page."""
    if user is not None:
        return json_response(render(), headers=PRIVATE)
    svc = services(request)
    stored = broadcast.cached_page(
        svc,
        site_slug=site_slug,
        thread_key=thread_key,
        variant=variant,
        render=lambda: _with_etag(orjson.dumps(render())),
    )
    return _public(request, stored[:ETAG_LENGTH].decode(), stored[ETAG_LENGTH:])
