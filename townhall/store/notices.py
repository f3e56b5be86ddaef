"""Illegal-content notices (EU Digital Services Act): what was reported, and the decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from townhall.store.schema import comments, dsa_notices, threads, users


def add_notice(conn: Connection, **values: Any) -> int:
    result = conn.execute(insert(dsa_notices).values(**values))
    return int(result.inserted_primary_key[0])


def _listing() -> Any:
    return (
        select(
            dsa_notices,
            comments.c.body.label("comment_body"),
            comments.c.status.label("comment_status"),
            comments.c.author_id.label("comment_author_id"),
            users.c.name.label("comment_author_name"),
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
        )
        .join(comments, comments.c.id == dsa_notices.c.comment_id)
        .join(threads, threads.c.id == comments.c.thread_id)
        .outerjoin(users, users.c.id == comments.c.author_id)
    )


def notice_by_id(conn: Connection, notice_id: int) -> dict[str, Any] | None:
    row = conn.execute(_listing().where(dsa_notices.c.id == notice_id)).mappings().first()
    return dict(row) if row else None


def notices(
    conn: Connection, *, decided: bool, site_ids: list[int] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Open notices oldest first (the order they are owed an answer); decided ones newest
    first. ``site_ids`` None means every site."""
    query = _listing()
    if decided:
        query = query.where(dsa_notices.c.decided_at.is_not(None))
        query = query.order_by(dsa_notices.c.decided_at.desc(), dsa_notices.c.id.desc())
    else:
        query = query.where(dsa_notices.c.decided_at.is_(None))
        query = query.order_by(dsa_notices.c.created_at, dsa_notices.c.id)
    if site_ids is not None:
        query = query.where(dsa_notices.c.site_id.in_(site_ids))
    return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


def decide_notice(
    conn: Connection, *, notice_id: int, decision: str, statement: str, actor_id: int, now: int
) -> bool:
    """Record the decision once; False when the notice was already decided."""
    result = conn.execute(
        update(dsa_notices)
        .where(dsa_notices.c.id == notice_id, dsa_notices.c.decided_at.is_(None))
        .values(decided_at=now, decided_by=actor_id, decision=decision, statement=statement)
    )
    return result.rowcount == 1
