from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from townhall.store.schema import sessions, users


def create(
    conn: Connection,
    *,
    token_hash: str,
    user_id: int,
    now: int,
    expires_at: int,
    user_agent: str | None,
) -> None:
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            created_at=now,
            expires_at=expires_at,
            user_agent=(user_agent or "")[:300] or None,
        )
    )


_USER_FOR_TOKEN = (
    select(users)
    .join(sessions, sessions.c.user_id == users.c.id)
    .where(
        sessions.c.token_hash == bindparam("token_hash"), sessions.c.expires_at > bindparam("now")
    )
)


def user_for_token(conn: Connection, token_hash: str, now: int) -> dict[str, Any] | None:
    row = conn.execute(_USER_FOR_TOKEN, {"token_hash": token_hash, "now": now}).mappings().first()
    return dict(row) if row else None


def revoke(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def revoke_all(conn: Connection, user_id: int) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
