"""Moderators' touches on a published comment: featuring it, editing it with a note, and
the earlier texts those edits replaced."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from townhall.store.schema import comment_revisions, comments


def set_featured(conn: Connection, comment_id: int, featured_at: int | None) -> None:
    conn.execute(
        update(comments).where(comments.c.id == comment_id).values(featured_at=featured_at)
    )


def featured_top_level(conn: Connection, thread_id: int, limit: int) -> list[int]:
    """Ids of the thread's featured top-level comments, the latest featured first."""
    query = (
        select(comments.c.id)
        .where(
            comments.c.thread_id == thread_id,
            comments.c.parent_id.is_(None),
            comments.c.featured_at.is_not(None),
            comments.c.status == "visible",
        )
        .order_by(comments.c.featured_at.desc(), comments.c.id.desc())
        .limit(limit)
    )
    return [int(r[0]) for r in conn.execute(query)]


def moderator_edit(
    conn: Connection,
    *,
    comment_id: int,
    old_body: str,
    body: str,
    html: str,
    note: str,
    editor_id: int,
    now: int,
) -> None:
    """Keep the old text as a revision, then put in the new text and its note."""
    conn.execute(
        insert(comment_revisions).values(
            comment_id=comment_id, body=old_body, editor_id=editor_id, note=note, created_at=now
        )
    )
    conn.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(body=body, html=html, moderator_note=note, edited_at=now)
    )


def revisions(conn: Connection, comment_id: int) -> list[dict[str, Any]]:
    query = (
        select(comment_revisions)
        .where(comment_revisions.c.comment_id == comment_id)
        .order_by(comment_revisions.c.created_at, comment_revisions.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
