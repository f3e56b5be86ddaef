"""Threads and comments: read, post, edit, delete, react, preview, counts."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.caching import public_json_response, thread_page_response
from townhall.api.deps import (
    Id,
    client_ip,
    client_network,
    current_user,
    guard_origin,
    json_response,
    origin_allowed,
    services,
)
from townhall.api.schemas import (
    CommentIn,
    CommentOut,
    CountsOut,
    EditIn,
    PreviewIn,
    PreviewOut,
    ReactionOut,
    RepliesPage,
    ThreadPage,
)
from townhall.domain import comments, feeds, sites
from townhall.domain.access import STAFF
from townhall.domain.markdown import render
from townhall.errors import InvalidInput
from townhall.notify.atom import MEDIA_TYPE as ATOM

router = APIRouter(prefix="/api/v1", tags=["comments"], dependencies=[Depends(guard_origin)])

CommentId = Id("The comment's id.")
SiteSlug = Query(default="default", max_length=64, description="The site (publication).")
MAX_COUNT_KEYS = 100


@router.get("/comments", responses={200: {"model": ThreadPage}, **PROBLEMS})
def read_thread(
    request: Request,
    thread: str = Query(min_length=1, max_length=500, description="The article's key."),
    site: str = SiteSlug,
    sort: Literal["newest", "oldest", "top"] = "newest",
    cursor: str | None = Query(default=None, max_length=200),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    svc = services(request)
    response = thread_page_response(
        request,
        user=user,
        site_slug=site,
        thread_key=thread,
        variant=f"{sort}:{cursor or ''}",
        render=lambda: comments.read_thread(
            svc,
            user=user,
            site=sites.get_site(svc, site),
            thread_key=thread,
            sort=sort,
            after=cursor,
        ),
    )
    # The thread's Atom feed (#5), where feed readers and crawlers look for it.
    feed = feeds.thread_feed_path(site, thread)
    response.headers["Link"] = f'<{feed}>; rel="alternate"; type="{ATOM}"'
    return response


@router.post("/comments", status_code=201, responses={201: {"model": CommentOut}, **PROBLEMS})
def post_comment(
    payload: CommentIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    svc = services(request)
    site = sites.get_site(svc, payload.site)
    staff = user is not None and user["role"] in STAFF
    view = comments.post_comment(
        svc,
        user=user,
        site=site,
        thread_key=payload.thread,
        body=payload.body,
        parent_id=payload.parent_id,
        title=payload.title,
        url=payload.url,
        may_create_thread=staff or origin_allowed(request, site),
        remote_addr=client_ip(request),
        network=client_network(request),
        allow_nudge=not payload.nudged,
    )
    return json_response(view, 201)


@router.get("/comments/{comment_id}/replies", responses={200: {"model": RepliesPage}, **PROBLEMS})
def read_replies(
    request: Request,
    comment_id: int = CommentId,
    cursor: str | None = Query(default=None, max_length=200),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    page = comments.read_replies(services(request), user=user, comment_id=comment_id, after=cursor)
    return json_response(page)


@router.get("/comments/{comment_id}", responses={200: {"model": CommentOut}, **PROBLEMS})
def read_comment(
    request: Request,
    comment_id: int = CommentId,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    view = comments.read_comment(services(request), user=user, comment_id=comment_id)
    return json_response(view)


@router.patch("/comments/{comment_id}", responses={200: {"model": CommentOut}, **PROBLEMS})
def edit_comment(
    payload: EditIn,
    request: Request,
    comment_id: int = CommentId,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    view = comments.edit_comment(
        services(request),
        user=user,
        comment_id=comment_id,
        body=payload.body,
        allow_nudge=not payload.nudged,
    )
    return json_response(view)


@router.delete("/comments/{comment_id}", status_code=204, responses=PROBLEMS)
def delete_comment(
    request: Request,
    comment_id: int = CommentId,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    comments.delete_comment(services(request), user=user, comment_id=comment_id)
    return Response(status_code=204)


@router.put("/comments/{comment_id}/reaction", responses={200: {"model": ReactionOut}, **PROBLEMS})
def react(
    request: Request,
    comment_id: int = CommentId,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = comments.set_reaction(services(request), user=user, comment_id=comment_id, on=True)
    return json_response(result)


@router.delete(
    "/comments/{comment_id}/reaction", responses={200: {"model": ReactionOut}, **PROBLEMS}
)
def unreact(
    request: Request,
    comment_id: int = CommentId,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = comments.set_reaction(services(request), user=user, comment_id=comment_id, on=False)
    return json_response(result)


@router.post("/preview", responses={200: {"model": PreviewOut}, **PROBLEMS})
def preview(payload: PreviewIn, request: Request) -> Response:
    body = comments.check_body(services(request), payload.body)
    return json_response({"html": render(body)})


@router.get("/counts", responses={200: {"model": CountsOut}, **PROBLEMS})
def counts(
    request: Request,
    thread: list[str] = Query(description="Thread keys; repeat the parameter."),
    site: str = SiteSlug,
) -> Response:
    if len(thread) > MAX_COUNT_KEYS:
        raise InvalidInput(f"Ask for at most {MAX_COUNT_KEYS} threads at once; got {len(thread)}.")
    if any(not key or len(key) > 500 for key in thread):
        raise InvalidInput("Each thread key must be 1 to 500 characters.")
    svc = services(request)
    result = comments.counts(svc, site=sites.get_site(svc, site), keys=thread)
    # The same for every reader: cacheable, and kept at the edge until a write (#7).
    return public_json_response(request, {"counts": result})
