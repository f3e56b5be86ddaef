"""Atom feeds (#5): a thread's newest comments, and the replies a reader received.

Only published comments appear (never held, rejected or deleted ones), with the author's
display name only: no emails, no addresses. The content is the server-sanitised HTML.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from townhall.domain.notifications import comment_link
from townhall.domain.services import Services
from townhall.errors import NotFound
from townhall.notify import atom
from townhall.store import notifications as store
from townhall.store import threads as thread_store
from townhall.store import users as user_store

FEED_LIMIT = 50
ANONYMOUS = "Anonymous"


def thread_feed_path(site_slug: str, thread_key: str) -> str:
    """Where a thread's feed is, by its key (the comment box and the thread API link it)."""
    return f"/feeds/thread.atom?site={quote(site_slug)}&thread={quote(thread_key, safe='')}"


def _comment_id(base: str, comment_id: int) -> str:
    # The comment's permanent address on this server: stable even if the article moves.
    return f"{base}/api/v1/comments/{comment_id}"


def _title(author: str | None, article: str) -> str:
    return f"{author or ANONYMOUS} on {article}"


def find_thread(services: Services, *, thread_id: int) -> tuple[str, str]:
    """(site slug, thread key) of a thread, or NotFound."""
    with services.db.read() as conn:
        names = thread_store.site_slug_and_key(conn, thread_id)
    if names is None:
        raise NotFound(f"There is no thread {thread_id}.")
    return names


def thread_feed(services: Services, *, site: dict[str, Any], thread_key: str, base: str) -> bytes:
    with services.db.read() as conn:
        thread = thread_store.by_key(conn, site["id"], thread_key)
        if thread is None:
            raise NotFound(f"There is no thread {thread_key!r} on this site.")
        rows = store.thread_latest(conn, thread["id"], FEED_LIMIT)
    title = thread["title"] or thread_key
    entries = [
        atom.Entry(
            id=_comment_id(base, row["id"]),
            title=_title(row["author_name"], title),
            updated_ms=row["edited_at"] or row["created_at"],
            published_ms=row["created_at"],
            author=row["author_name"] or ANONYMOUS,
            html=row["html"],
            link=comment_link(thread["url"], row["id"]),
            in_reply_to=_comment_id(base, row["parent_id"]) if row["parent_id"] else None,
        )
        for row in rows
    ]
    return atom.feed(
        id=f"{base}/feeds/threads/{thread['id']}.atom",
        title=f"Comments on {title}",
        entries=entries,
        self_link=base + thread_feed_path(site["slug"], thread_key),
        alternate=thread["url"],
        updated_ms=None if entries else thread["created_at"],
    )


def replies_feed(services: Services, *, user_id: int, base: str) -> bytes:
    with services.db.read() as conn:
        user = user_store.by_id(conn, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        rows = store.replies_to_user(conn, user_id, FEED_LIMIT)
    entries = [
        atom.Entry(
            id=_comment_id(base, row["id"]),
            title=_title(row["author_name"], row["thread_title"] or row["thread_key"]),
            updated_ms=row["edited_at"] or row["created_at"],
            published_ms=row["created_at"],
            author=row["author_name"] or ANONYMOUS,
            html=row["html"],
            link=comment_link(row["thread_url"], row["id"]),
            in_reply_to=_comment_id(base, row["parent_id"]),
        )
        for row in rows
    ]
    path = f"/feeds/users/{user_id}/replies.atom"
    return atom.feed(
        id=base + path,
        title=f"Replies to {user['name']}",
        entries=entries,
        self_link=base + path,
        updated_ms=None if entries else user["created_at"],
    )
