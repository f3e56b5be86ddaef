from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from townhall.store.schema import threads

# Built once, with bound parameters (every post runs it, #7).
_BY_KEY = select(threads).where(
    threads.c.site_id == bindparam("site_id"), threads.c.key == bindparam("key")
)


def by_key(conn: Connection, site_id: int, key: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_KEY, {"site_id": site_id, "key": key}).mappings().first()
    return dict(row) if row else None


def by_id(conn: Connection, thread_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(threads).where(threads.c.id == thread_id)).mappings().first()
    return dict(row) if row else None


def create(
    conn: Connection, *, site_id: int, key: str, title: str | None, url: str | None, now: int
) -> dict[str, Any]:
    """Creates the thread, or returns the one a concurrent first post created meanwhile:
    two first posts to a new article both succeed, in one thread (#8). On PostgreSQL the
    second INSERT waits for the first transaction and then does nothing; read-committed
    lets the SELECT after it see the winner's row. SQLite serialises writers anyway."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    values = {"site_id": site_id, "key": key, "title": title, "url": url, "created_at": now}
    conn.execute(
        insert(threads).values(**values).on_conflict_do_nothing(index_elements=["site_id", "key"])
    )
    thread = by_key(conn, site_id, key)
    assert thread is not None  # noqa: S101
    return thread


def set_open(conn: Connection, thread_id: int, is_open: bool) -> None:
    conn.execute(update(threads).where(threads.c.id == thread_id).values(is_open=is_open))


def lock(conn: Connection, thread_ids: list[int]) -> None:
    """Locks the threads' rows until the transaction ends, in id order (PostgreSQL; SQLite
    has one writer at a time and renders no FOR UPDATE)."""
    query = select(threads.c.id).where(threads.c.id.in_(thread_ids)).order_by(threads.c.id)
    conn.execute(query.with_for_update()).all()


_ADD_TO_COUNT = (
    update(threads)
    .where(threads.c.id == bindparam("thread_id"))
    .values(comment_count=threads.c.comment_count + bindparam("delta"))
)


def add_to_count(conn: Connection, thread_id: int, delta: int) -> None:
    conn.execute(_ADD_TO_COUNT, {"thread_id": thread_id, "delta": delta})


def counts(conn: Connection, site_id: int, keys: list[str]) -> dict[str, int]:
    query = select(threads.c.key, threads.c.comment_count).where(
        threads.c.site_id == site_id, threads.c.key.in_(keys)
    )
    return {row.key: row.comment_count for row in conn.execute(query)}


def site_slug_and_key(conn: Connection, thread_id: int) -> tuple[str, str] | None:
    """What names a thread from outside (live channels, cached pages): site slug and key."""
    from townhall.store.schema import sites

    query = (
        select(sites.c.slug, threads.c.key)
        .select_from(threads.join(sites, sites.c.id == threads.c.site_id))
        .where(threads.c.id == thread_id)
    )
    row = conn.execute(query).first()
    return (str(row.slug), str(row.key)) if row else None
