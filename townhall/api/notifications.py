"""Reply notifications (#5): the in-box list, the reply-mail choice, my comments, feeds."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.caching import etag_matches
from townhall.api.deps import Id, current_user, guard_origin, json_response, own_origin, services
from townhall.api.schemas import StrictModel
from townhall.domain import broadcast, feeds, my_comments, notifications, sites
from townhall.errors import InvalidInput
from townhall.i18n import LANGUAGES, choose, shipped
from townhall.notify.atom import MEDIA_TYPE

router = APIRouter(prefix="/api/v1", tags=["notifications"], dependencies=[Depends(guard_origin)])
feeds_router = APIRouter(prefix="/feeds", tags=["feeds"])

ATOM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "An Atom feed.", "content": {MEDIA_TYPE: {"schema": {"type": "string"}}}},
    304: {"description": "Not modified: the If-None-Match ETag is current."},
    **PROBLEMS,
}
Before = Query(default=None, ge=1, le=2**62, description="The `next` of the previous page.")


class ReadIn(StrictModel):
    ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(
        default=None, max_length=200, description="Notifications to mark read."
    )
    all: bool = Field(default=False, description="Mark every notification read.")


class NotifyIn(StrictModel):
    reply_email: bool = Field(strict=True, description="Mail me when someone replies (batched).")
    language: str | None = Field(
        default=None,
        max_length=16,
        description="The reply mail's language, one of the shipped ones (en, uk, ru, pl, de,"
        " fr, es, ar); the comment box sends its own. Otherwise the request's Accept-Language,"
        " else the server's setting.",
    )


# --- answers, for the OpenAPI document -------------------------------------------------------


class NoteAuthor(BaseModel):
    id: int | None
    name: str | None


class NoteThread(BaseModel):
    key: str
    title: str | None
    url: str | None


class NotificationOut(BaseModel):
    id: int
    kind: Literal["reply"]
    comment_id: int
    parent_id: int | None
    author: NoteAuthor
    excerpt: str
    thread: NoteThread
    link: str | None = Field(description="The article's address with #townhall-comment-ID.")
    created_at: str
    read: bool


class NotificationsPage(BaseModel):
    notifications: list[NotificationOut]
    unread: int
    next: int | None = Field(description="Pass as `before` for the next page.")


class ReadOut(BaseModel):
    marked: int
    unread: int


class NotifyOut(BaseModel):
    reply_email: bool
    language: str
    email: str
    email_verified: bool
    reply_mail_minutes: int


class ReplyAuthor(BaseModel):
    name: str | None


class MyReplyOut(BaseModel):
    id: int
    author: ReplyAuthor
    html: str
    created_at: str
    link: str | None


class MyCommentOut(BaseModel):
    id: int
    html: str
    status: Literal["visible", "pending"]
    held_reason: str | None
    created_at: str
    thread: NoteThread
    link: str | None
    reply_count: int
    replies: list[MyReplyOut]
    more_replies: int


class MyCommentsPage(BaseModel):
    comments: list[MyCommentOut]
    next: int | None


def _site(request: Request, slug: str | None) -> dict[str, Any] | None:
    return None if slug is None else sites.get_site(services(request), slug)


@router.get("/notifications", responses={200: {"model": NotificationsPage}, **PROBLEMS})
def list_notifications(
    request: Request,
    site: str | None = Query(default=None, max_length=64, description="Only this site's."),
    before: int | None = Before,
    limit: int = Query(default=notifications.PAGE_SIZE, ge=1, le=notifications.MAX_PAGE_SIZE),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """Replies to the signed-in reader's comments, newest first, with the unread count."""
    page = notifications.list_page(
        services(request), user=user, site=_site(request, site), before=before, limit=limit
    )
    return json_response(page, headers={"Cache-Control": "private, no-store"})


@router.post("/notifications/read", responses={200: {"model": ReadOut}, **PROBLEMS})
def read_notifications(
    payload: ReadIn,
    request: Request,
    site: str | None = Query(default=None, max_length=64),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """Marks the given notifications read (`ids`), or every one (`all: true`)."""
    if (payload.ids is None) == (not payload.all):
        raise InvalidInput(
            'Send either {"ids": [...]} or {"all": true}.',
            errors=[{"field": "ids", "message": "Name the notifications, or send all: true."}],
        )
    result = notifications.mark_read(
        services(request), user=user, site=_site(request, site), ids=payload.ids
    )
    return json_response(result)


@router.get("/me/notify", responses={200: {"model": NotifyOut}, **PROBLEMS})
def get_notify(request: Request, user: dict[str, Any] | None = Depends(current_user)) -> Response:
    return json_response(notifications.get_prefs(services(request), user=user))


@router.put("/me/notify", responses={200: {"model": NotifyOut}, **PROBLEMS})
def put_notify(
    payload: NotifyIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    """Turns the batched reply mail on or off; on needs a confirmed address (403)."""
    svc = services(request)
    if payload.language is not None and shipped(payload.language) is None:
        raise InvalidInput(
            f"Reply mail is written in {', '.join(LANGUAGES)}; got {payload.language!r}.",
            errors=[{"field": "language", "message": "Use one of the shipped languages."}],
        )
    language = choose(
        payload.language, request.headers.get("accept-language"), str(svc.settings.language)
    )
    result = notifications.set_prefs(
        svc, user=user, reply_email=payload.reply_email, language=language
    )
    return json_response(result)


@router.get("/me/comments", responses={200: {"model": MyCommentsPage}, **PROBLEMS})
def get_my_comments(
    request: Request,
    before: int | None = Before,
    limit: int = Query(default=my_comments.PAGE_SIZE, ge=1, le=my_comments.MAX_PAGE_SIZE),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """The reader's comments across articles, newest first, with the replies they got."""
    page = my_comments.page(services(request), user=user, before=before, limit=limit)
    return json_response(page, headers={"Cache-Control": "private, no-store"})


# --- Atom feeds -------------------------------------------------------------------------------


def _atom(request: Request, body: bytes) -> Response:
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    max_age = int(services(request).settings.cache_max_age)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _thread_feed(request: Request, site_slug: str, thread_key: str) -> Response:
    svc = services(request)
    site = sites.get_site(svc, site_slug)
    base = own_origin(request)
    # Rendered at most once per write to the thread, like its pages (a write bumps the
    # thread's version, which drops this too).
    body = broadcast.cached_page(
        svc,
        site_slug=site_slug,
        thread_key=thread_key,
        variant=f"atom:{base}",
        render=lambda: feeds.thread_feed(svc, site=site, thread_key=thread_key, base=base),
    )
    return _atom(request, body)


@feeds_router.get("/thread.atom", response_class=Response, responses=ATOM_RESPONSES)
def thread_feed_by_key(
    request: Request,
    thread: str = Query(min_length=1, max_length=500, description="The article's key."),
    site: str = Query(default="default", max_length=64),
) -> Response:
    """A thread's newest published comments as Atom (RFC 4287)."""
    return _thread_feed(request, site, thread)


@feeds_router.get("/threads/{thread_id}.atom", response_class=Response, responses=ATOM_RESPONSES)
async def thread_feed_by_id(request: Request, thread_id: int = Id("The thread's id.")) -> Response:
    slug, key = await run_in_threadpool(feeds.find_thread, services(request), thread_id=thread_id)
    return await run_in_threadpool(_thread_feed, request, slug, key)


@feeds_router.get(
    "/users/{user_id}/replies.atom", response_class=Response, responses=ATOM_RESPONSES
)
def replies_feed(request: Request, user_id: int = Id("The reader's id.")) -> Response:
    """Published replies to the reader's published comments, newest first."""
    body = feeds.replies_feed(services(request), user_id=user_id, base=own_origin(request))
    return _atom(request, body)
