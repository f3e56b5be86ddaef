"""The Isso-compatible API (issue #6): Isso's own embed.min.js, pointed at Townhall.

Routes, parameters and answers follow Isso's server (its route table and comment views),
under the ``isso_prefix`` setting. Writes pass the same origin check as the rest of the
API. The answers are not part of Townhall's OpenAPI document; docs/isso.md describes them.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.responses import Response

from townhall.api.deps import (
    Id,
    client_ip,
    client_network,
    guard_origin,
    json_response,
    origin_allowed,
    services,
)
from townhall.domain import isso, sites
from townhall.domain.access import access_signed_in
from townhall.domain.comments import delete_comment
from townhall.errors import InvalidInput
from townhall.settings import Settings

CommentId = Id()
Uri = Query(min_length=1, max_length=500, description="The page's path, Isso's thread key.")
# Isso's client reads no stylesheet rules it needs from us; this keeps its <link> quiet.
STYLESHEET = b"/* Townhall serves Isso's API; style the comments from your own stylesheet. */\n"


def _flag(value: str | None) -> bool:
    return value not in (None, "", "0")


def _int_or_none(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {value!r}.") from None


def isso_router(settings: Settings) -> APIRouter:
    """The routes, with their cookie key made once (random per start unless configured)."""
    prefix = "/" + str(settings.isso_prefix).strip("/")
    secret = str(settings.isso_secret) or secrets.token_urlsafe(32)
    cookies = isso.EditCookies(secret, int(settings.edit_window_seconds))
    router = APIRouter(
        prefix=prefix, tags=["isso"], include_in_schema=False, dependencies=[Depends(guard_origin)]
    )

    def site_of(request: Request) -> dict[str, Any]:
        return sites.get_site(services(request), str(settings.isso_site))

    def secure(request: Request) -> bool:
        return str(settings.public_url).startswith("https://") or request.url.scheme == "https"

    def with_cookie(response: Response, request: Request, comment_id: int, value: str) -> Response:
        """Isso's pair: the server's own cookie (sent back on edits), and X-Set-Cookie that
        its client copies onto the article's page to know which comments are the reader's."""
        max_age = 0 if not value else cookies.max_age_seconds
        attributes = f"Max-Age={max_age}; Path=/"
        attributes += "; SameSite=None; Secure" if secure(request) else "; SameSite=Lax"
        response.headers.append("set-cookie", f"{comment_id}={value}; {attributes}")
        response.headers.append("x-set-cookie", f"isso-{comment_id}={value}; {attributes}")
        return response

    def page_url(request: Request, uri: str) -> str | None:
        """The article's address, for a thread the first comment creates."""
        if urlsplit(uri).scheme in ("http", "https"):
            return uri
        origin = request.headers.get("origin")
        if origin and origin != "null" and uri.startswith("/"):
            return origin.rstrip("/") + uri
        return None

    @router.get("/")
    def fetch(
        request: Request,
        uri: str = Uri,
        limit: str | None = None,
        offset: str | None = None,
        parent: str | None = None,
        nested_limit: str | None = None,
        after: str | None = None,
        sort: str = "oldest",
        plain: str | None = None,
    ) -> Response:
        try:
            since = float(after or 0)
        except ValueError:
            raise InvalidInput(f"after must be a Unix time in seconds, not {after!r}.") from None
        answer = isso.fetch(
            services(request),
            cookies,
            site=site_of(request),
            uri=uri,
            limit=_int_or_none(limit, "limit"),
            offset=_int_or_none(offset, "offset") or 0,
            parent=_int_or_none(parent, "parent"),
            nested_limit=_int_or_none(nested_limit, "nested_limit"),
            after=since,
            sort=sort,
            # Isso's own inversion: plain=0 (the default) renders the Markdown.
            plain=_flag(plain),
        )
        return json_response(answer)

    @router.get("/config")
    def config() -> Response:
        return json_response({"config": isso.public_config()})

    @router.get("/css/isso.css")
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css")

    @router.post("/count")
    def count(request: Request, payload: Any = Body(default=None)) -> Response:
        if not isinstance(payload, list):
            raise InvalidInput('Send a JSON list of thread uris, like ["/2024/story/"].')
        found = isso.counts(services(request), site=site_of(request), uris=payload)
        return json_response(found)

    @router.post("/new")
    def new(request: Request, uri: str = Uri, payload: Any = Body(default=None)) -> Response:
        if not isinstance(payload, dict):
            raise InvalidInput('Send the comment as a JSON object: {"text": "..."}.')
        site = site_of(request)
        svc = services(request)
        row = isso.new(
            svc,
            site=site,
            uri=uri,
            data=payload,
            remote_addr=client_ip(request),
            network=client_network(request),
            may_create_thread=origin_allowed(request, site),
            page_url=page_url(request, uri),
        )
        view = isso.comment_view(row, cookies, plain=False)
        response = json_response(view, 201 if row["status"] == "visible" else 202)
        value = cookies.sign(row["id"], row["body"], svc.clock.now_ms())
        return with_cookie(response, request, row["id"], value)

    @router.get("/id/{comment_id}")
    def view(request: Request, comment_id: int = CommentId, plain: str | None = None) -> Response:
        svc = services(request)
        row, _author = isso.authored(svc, cookies, comment_id, request.cookies.get(str(comment_id)))
        return json_response(isso.comment_view(row, cookies, plain=_flag(plain)))

    @router.put("/id/{comment_id}")
    def edit(
        request: Request, comment_id: int = CommentId, payload: Any = Body(default=None)
    ) -> Response:
        svc = services(request)
        _row, author = isso.authored(svc, cookies, comment_id, request.cookies.get(str(comment_id)))
        text = payload.get("text") if isinstance(payload, dict) else None
        isso.edit(svc, author=author, comment_id=comment_id, text=text)
        row = isso.reread(svc, comment_id)
        response = json_response(isso.comment_view(row, cookies, plain=False))
        value = cookies.sign(comment_id, row["body"], svc.clock.now_ms())
        return with_cookie(response, request, comment_id, value)

    @router.delete("/id/{comment_id}")
    def delete(request: Request, comment_id: int = CommentId) -> Response:
        svc = services(request)
        _row, author = isso.authored(svc, cookies, comment_id, request.cookies.get(str(comment_id)))
        delete_comment(svc, user=access_signed_in(author, "delete"), comment_id=comment_id)
        row = isso.reread(svc, comment_id)
        # Isso answers null when the comment is gone, or the placeholder its replies keep.
        kept = isso.comment_view(row, cookies, plain=False) if row["reply_count"] > 0 else None
        return with_cookie(json_response(kept), request, comment_id, "")

    @router.post("/id/{comment_id}/like")
    def like(request: Request, comment_id: int = CommentId) -> Response:
        result = isso.vote(
            services(request),
            site=site_of(request),
            comment_id=comment_id,
            ip=client_ip(request),
            like=True,
        )
        return json_response(result)

    @router.post("/id/{comment_id}/dislike")
    def dislike(request: Request, comment_id: int = CommentId) -> Response:
        result = isso.vote(
            services(request),
            site=site_of(request),
            comment_id=comment_id,
            ip=client_ip(request),
            like=False,
        )
        return json_response(result)

    @router.post("/preview")
    def preview(payload: Any = Body(default=None)) -> Response:
        text = payload.get("text") if isinstance(payload, dict) else None
        return json_response(isso.preview(text))

    @router.get("/feed")
    def feed(request: Request, uri: str = Uri) -> Response:
        base = str(settings.public_url) or f"{request.url.scheme}://{request.url.netloc}"
        body = isso.feed(services(request), site=site_of(request), uri=uri, base=base)
        return Response(body, media_type="application/atom+xml")

    return router
