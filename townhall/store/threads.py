from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from townhall.store.schema import threads


def by_key(conn: Connection, site_id: int, key: str) -> dict[str, Any] | None:
    query = select(threads).where(threads.c.site_id == site_id, threads.c.key == key)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def by_id(conn: Connection, thread_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(threads).where(threads.c.id == thread_id)).mappings().first()
    return dict(row) if row else None


def create(
    conn: Connection, *, site_id: int, key: str, title: str | None, url: str | None, now: int
) -> dict[str, Any]:
    conn.execute(
        insert(threads).values(site_id=site_id, key=key, title=title, url=url, created_at=now)
    )
    thread = by_key(conn, site_id, key)
    assert thread is not None  # noqa: S101
    return thread


def set_open(conn: Connection, thread_id: int, is_open: bool) -> None:
    conn.execute(update(threads).where(threads.c.id == thread_id).values(is_open=is_open))


def add_to_count(conn: Connection, thread_id: int, delta: int) -> None:
    conn.execute(
        update(threads)
        .where(threads.c.id == thread_id)
        .values(comment_count=threads.c.comment_count + delta)
    )


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
