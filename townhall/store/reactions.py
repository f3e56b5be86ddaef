from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, insert, select

from townhall.store.schema import reactions


def add(conn: Connection, comment_id: int, user_id: int, now: int) -> bool:
    """True when the reaction is new. One per reader per comment (the primary key)."""
    exists = conn.execute(
        select(reactions.c.comment_id).where(
            reactions.c.comment_id == comment_id, reactions.c.user_id == user_id
        )
    ).first()
    if exists:
        return False
    conn.execute(insert(reactions).values(comment_id=comment_id, user_id=user_id, created_at=now))
    return True


def remove(conn: Connection, comment_id: int, user_id: int) -> bool:
    result = conn.execute(
        delete(reactions).where(
            reactions.c.comment_id == comment_id, reactions.c.user_id == user_id
        )
    )
    return result.rowcount > 0


def reacted_by(conn: Connection, user_id: int, comment_ids: list[int]) -> set[int]:
    if not comment_ids:
        return set()
    params = {"user_id": user_id, "comment_ids": list(comment_ids)}
    return {row.comment_id for row in conn.execute(_REACTED_BY, params)}


# Built once, with bound parameters (every post's answer runs it, #7).
_REACTED_BY = select(reactions.c.comment_id).where(
    reactions.c.user_id == bindparam("user_id"),
    reactions.c.comment_id.in_(bindparam("comment_ids", expanding=True)),
)
