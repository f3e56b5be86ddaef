"""What the Isso-compatible API reads: a thread's shown comments, in one query each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select

from townhall.store.schema import comments, users

# A reply is shown under its top-level comment, as Isso shows replies (two levels).
_COLUMNS = (
    comments.c.id,
    comments.c.parent_id,
    comments.c.root_id,
    comments.c.author_id,
    comments.c.body,
    comments.c.html,
    comments.c.status,
    comments.c.created_at,
    comments.c.edited_at,
    comments.c.reaction_count,
    comments.c.reply_count,
    users.c.name.label("author_name"),
)


def shown_in_thread(conn: Connection, thread_id: int, *, after_ms: int = 0) -> list[dict[str, Any]]:
    """Published comments and the placeholders that keep replies in context, oldest first.

    Isso's client shows nothing else: a comment held for moderation is shown to its author
    only from the answer to their own POST.
    """
    query = (
        select(*_COLUMNS)
        .select_from(comments)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(
            comments.c.thread_id == thread_id,
            comments.c.created_at > after_ms,
            or_(
                comments.c.status == "visible",
                and_(comments.c.status == "deleted", comments.c.reply_count > 0),
            ),
        )
        .order_by(comments.c.created_at, comments.c.id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def latest_published(conn: Connection, thread_id: int, limit: int) -> list[dict[str, Any]]:
    """The newest published comments of a thread, newest first (the Atom feed)."""
    query = (
        select(*_COLUMNS)
        .select_from(comments)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(comments.c.thread_id == thread_id, comments.c.status == "visible")
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def one(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    query = (
        select(*_COLUMNS)
        .select_from(comments)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(comments.c.id == comment_id)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None
