"""Bulk writes for importers: many rows per statement, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal_column, select, update

from townhall.store.schema import comments, import_keys, sites, threads, users

# Stay well under SQLite's limit on bound parameters (32,766) and PostgreSQL's (65,535).
_CHUNK = 500


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def known_source_ids(conn: Connection, site_id: int, source: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        query = select(import_keys.c.source_id).where(
            import_keys.c.site_id == site_id,
            import_keys.c.source == source,
            import_keys.c.source_id.in_(chunk),
        )
        found.update(conn.execute(query).scalars())
    return found


def comments_by_source_id(
    conn: Connection, site_id: int, source: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """What a reply needs of its already-imported parent, by the parent's source id."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = (
            select(
                import_keys.c.source_id,
                comments.c.id,
                comments.c.thread_id,
                comments.c.root_id,
                comments.c.display_parent_id,
                comments.c.depth,
            )
            .join(comments, comments.c.id == import_keys.c.comment_id)
            .where(
                import_keys.c.site_id == site_id,
                import_keys.c.source == source,
                import_keys.c.source_id.in_(chunk),
            )
        )
        for row in conn.execute(query).mappings():
            found[row["source_id"]] = dict(row)
    return found


def users_by_email(conn: Connection, emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(emails):
        query = select(users.c.email, users.c.id).where(users.c.email.in_(chunk))
        found.update({row.email: row.id for row in conn.execute(query)})
    return found


def create_users(conn: Connection, rows: list[dict[str, Any]], now: int) -> dict[str, int]:
    """Accounts without a password: they sign in only once claimed (see docs/importing.md)."""
    if not rows:
        return {}
    values = [
        {"email": r["email"], "name": r["name"], "password_hash": None, "role": "reader",
         "created_at": now}
        for r in rows
    ]  # fmt: skip
    statement = insert(users).returning(users.c.email, users.c.id, sort_by_parameter_order=True)
    return {row.email: row.id for row in conn.execute(statement, values)}


def insert_comments(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    statement = insert(comments).returning(comments.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(statement, rows).scalars()]


def set_roots_to_self(conn: Connection, ids: list[int]) -> None:
    for chunk in _chunks(ids):
        conn.execute(update(comments).where(comments.c.id.in_(chunk)).values(root_id=comments.c.id))


def add_keys(conn: Connection, site_id: int, source: str, pairs: list[tuple[str, int]]) -> None:
    if pairs:
        rows = [{"site_id": site_id, "source": source, "source_id": s, "comment_id": c}
                for s, c in pairs]  # fmt: skip
        conn.execute(insert(import_keys), rows)


def add_thread_counts(conn: Connection, deltas: dict[int, int]) -> None:
    rows = [{"tid": t, "delta": d} for t, d in deltas.items() if d]
    if rows:
        conn.execute(
            update(threads)
            .where(threads.c.id == bindparam("tid"))
            .values(comment_count=threads.c.comment_count + bindparam("delta")),
            rows,
        )


def add_reply_counts(conn: Connection, deltas: dict[int, int]) -> None:
    """Add visible replies to their parents. A deleted comment that gains its first reply
    becomes a placeholder its own parent counts, so the change climbs the tree."""
    pending = {k: v for k, v in deltas.items() if v}
    while pending:
        ids = list(pending)
        before: dict[int, Any] = {}
        for chunk in _chunks(ids):
            query = select(
                comments.c.id, comments.c.status, comments.c.reply_count, comments.c.parent_id
            ).where(comments.c.id.in_(chunk))
            before.update({row.id: row for row in conn.execute(query)})
        conn.execute(
            update(comments)
            .where(comments.c.id == bindparam("cid"))
            .values(reply_count=comments.c.reply_count + bindparam("delta")),
            [{"cid": c, "delta": d} for c, d in pending.items()],
        )
        climbing: dict[int, int] = {}
        for cid, delta in pending.items():
            row = before.get(cid)
            if row is None or row.status != "deleted" or row.parent_id is None:
                continue
            if row.reply_count == 0 and row.reply_count + delta > 0:
                climbing[row.parent_id] = climbing.get(row.parent_id, 0) + 1
        pending = climbing


# --- export ---------------------------------------------------------------------------


def site_threads(conn: Connection, site_id: int) -> Iterator[dict[str, Any]]:
    query = select(threads).where(threads.c.site_id == site_id).order_by(threads.c.id)
    for row in conn.execute(query).mappings():
        yield dict(row)


def site_comments(
    conn: Connection, site_id: int, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Comments in id order (parents before replies), with the author's name and email."""
    query = (
        select(comments, threads.c.key.label("thread_key"), users.c.name.label("author_name"),
               users.c.email.label("author_email"))
        .join(threads, threads.c.id == comments.c.thread_id)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(threads.c.site_id == site_id, comments.c.id > after_id)
        .order_by(comments.c.id)
        .limit(limit)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(query).mappings()]


def count_site_comments(conn: Connection, site_id: int) -> int:
    query = (
        select(func.count(literal_column("*")))
        .select_from(comments.join(threads, threads.c.id == comments.c.thread_id))
        .where(threads.c.site_id == site_id)
    )
    return int(conn.execute(query).scalar_one())


def site_exists(conn: Connection, site_id: int) -> bool:
    return conn.execute(select(sites.c.id).where(sites.c.id == site_id)).first() is not None


def thread_ids_by_key(conn: Connection, site_id: int, keys: Iterable[str]) -> dict[str, int]:
    query = select(threads.c.key, threads.c.id).where(
        threads.c.site_id == site_id, threads.c.key.in_(list(keys))
    )
    return {row.key: row.id for row in conn.execute(query)}
