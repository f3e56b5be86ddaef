from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from townhall.store.schema import users


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.email == email)).mappings().first()
    return dict(row) if row else None


def by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def create(
    conn: Connection, *, email: str, name: str, password_hash: str | None, role: str, now: int
) -> dict[str, Any]:
    result = conn.execute(
        insert(users).values(
            email=email, name=name, password_hash=password_hash, role=role, created_at=now
        )
    )
    user = by_id(conn, int(result.inserted_primary_key[0]))
    assert user is not None  # noqa: S101
    return user


def set_role(conn: Connection, user_id: int, role: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(role=role))


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
