"""Comments: insert, change, and the listings the comment box reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql import Subquery

from townhall.store.privacy import DELETED_DOMAIN
from townhall.store.schema import comments, users

SORTS = ("newest", "oldest", "top")

_parent = comments.alias("parent")
_parent_author = users.alias("parent_author")


def _with_names(base: Subquery | Any) -> Select[Any]:
    """Comment columns plus the author's name and the name of whom it answers."""
    return (
        select(
            base,
            users.c.name.label("author_name"),
            # privacy (#5): a deleted account's stub, so the box can say so in its language
            users.c.email.endswith("@" + DELETED_DOMAIN).label("author_deleted"),
            _parent_author.c.name.label("reply_to_name"),
            _parent.c.status.label("reply_to_status"),
        )
        .select_from(base)
        .outerjoin(users, users.c.id == base.c.author_id)
        .outerjoin(_parent, _parent.c.id == base.c.parent_id)
        .outerjoin(_parent_author, _parent_author.c.id == _parent.c.author_id)
    )


def visible_to(table: Any, viewer_id: int | None) -> ColumnElement[bool]:
    """What a reader may see: published comments, placeholders that keep replies in
    context, and their own comments while they wait for moderation."""
    clauses = [
        table.c.status == "visible",
        and_(table.c.status == "deleted", table.c.reply_count > 0),
    ]
    if viewer_id is not None:
        clauses.append(and_(table.c.status == "pending", table.c.author_id == viewer_id))
    return or_(*clauses)


_INSERT = insert(comments).returning(*comments.c)


def insert_comment(conn: Connection, **values: Any) -> dict[str, Any]:
    """The stored row, defaults included (RETURNING: SQLite 3.35+ and PostgreSQL), so the
    poster's answer needs no second read inside the write lock (#7)."""
    return dict(conn.execute(_INSERT, values).mappings().one())


# Built once: making the aliased subquery and its column collections anew took ~5% of a
# post's time in the profile (#7); the compiled form was cached already, the objects not.
_BY_ID = _with_names(select(comments).where(comments.c.id == bindparam("comment_id")).subquery("c"))


def by_id(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    row = conn.execute(_BY_ID, {"comment_id": comment_id}).mappings().first()
    return dict(row) if row else None


_SET_ROOT = (
    update(comments)
    .where(comments.c.id == bindparam("comment_id"))
    .values(root_id=bindparam("root"))
)


def set_root(conn: Connection, comment_id: int, root_id: int) -> None:
    conn.execute(_SET_ROOT, {"comment_id": comment_id, "root": root_id})


def update_body(conn: Connection, comment_id: int, body: str, html: str, now: int) -> None:
    conn.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(body=body, html=html, edited_at=now)
    )


def set_status(conn: Connection, comment_id: int, status: str) -> None:
    conn.execute(update(comments).where(comments.c.id == comment_id).values(status=status))


_ADD_TO_REPLY_COUNT = (
    update(comments)
    .where(comments.c.id == bindparam("comment_id"))
    .values(reply_count=comments.c.reply_count + bindparam("delta"))
)


def add_to_reply_count(conn: Connection, comment_id: int, delta: int) -> None:
    conn.execute(_ADD_TO_REPLY_COUNT, {"comment_id": comment_id, "delta": delta})


def add_to_reaction_count(conn: Connection, comment_id: int, delta: int) -> int:
    """Counts move by delta: imported comments carry likes that have no reaction rows."""
    conn.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(reaction_count=comments.c.reaction_count + delta)
    )
    query = select(comments.c.reaction_count).where(comments.c.id == comment_id)
    return int(conn.execute(query).scalar_one())


def top_level_page(
    conn: Connection,
    *,
    thread_id: int,
    viewer_id: int | None,
    sort: str,
    after: tuple[int, int] | None,
    limit: int,
    exclude: list[int] | None = None,
) -> list[dict[str, Any]]:
    """One page of top-level comments; ``after`` is the (sort value, id) of the last one seen.
    ``exclude``: ids shown elsewhere on the page (featured comments lead the first page)."""
    key = comments.c.reaction_count if sort == "top" else comments.c.created_at
    query = select(comments).where(
        comments.c.thread_id == thread_id,
        comments.c.parent_id.is_(None),
        visible_to(comments, viewer_id),
    )
    if exclude:
        query = query.where(comments.c.id.not_in(exclude))
    if after is not None:
        value, last_id = after
        if sort == "oldest":
            query = query.where(or_(key > value, and_(key == value, comments.c.id > last_id)))
        else:
            query = query.where(or_(key < value, and_(key == value, comments.c.id < last_id)))
    if sort == "oldest":
        query = query.order_by(key.asc(), comments.c.id.asc())
    else:
        query = query.order_by(key.desc(), comments.c.id.desc())
    base = query.limit(limit).subquery("c")
    ordered = _with_names(base)
    if sort == "oldest":
        ordered = ordered.order_by(base.c[key.name].asc(), base.c.id.asc())
    else:
        ordered = ordered.order_by(base.c[key.name].desc(), base.c.id.desc())
    return [dict(r) for r in conn.execute(ordered).mappings()]


def first_replies(
    conn: Connection, *, root_ids: list[int], viewer_id: int | None, per_root: int
) -> list[dict[str, Any]]:
    """The first ``per_root`` replies (in time order) under each root, in one query."""
    if not root_ids:
        return []
    numbered = (
        select(
            comments,
            func.row_number()
            .over(partition_by=comments.c.root_id, order_by=(comments.c.created_at, comments.c.id))
            .label("rn"),
        )
        .where(
            comments.c.root_id.in_(root_ids),
            comments.c.parent_id.is_not(None),
            visible_to(comments, viewer_id),
        )
        .subquery("numbered")
    )
    limited = select(numbered).where(numbered.c.rn <= per_root).subquery("c")
    query = _with_names(limited).order_by(limited.c.created_at, limited.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def replies_page(
    conn: Connection,
    *,
    root_id: int,
    viewer_id: int | None,
    after: tuple[int, int] | None,
    limit: int,
) -> list[dict[str, Any]]:
    query = select(comments).where(
        comments.c.root_id == root_id,
        comments.c.parent_id.is_not(None),
        visible_to(comments, viewer_id),
    )
    if after is not None:
        created, last_id = after
        query = query.where(
            or_(
                comments.c.created_at > created,
                and_(comments.c.created_at == created, comments.c.id > last_id),
            )
        )
    base = query.order_by(comments.c.created_at, comments.c.id).limit(limit).subquery("c")
    rows = conn.execute(_with_names(base).order_by(base.c.created_at, base.c.id)).mappings()
    return [dict(r) for r in rows]


def count_replies_after(
    conn: Connection, *, root_id: int, viewer_id: int | None, after: tuple[int, int]
) -> int:
    created, last_id = after
    query = select(func.count(literal_column("*"))).where(
        comments.c.root_id == root_id,
        comments.c.parent_id.is_not(None),
        visible_to(comments, viewer_id),
        or_(
            comments.c.created_at > created,
            and_(comments.c.created_at == created, comments.c.id > last_id),
        ),
    )
    return int(conn.execute(query).scalar_one())


def count_in_thread(conn: Connection, thread_id: int) -> int:
    query = select(func.count(literal_column("*"))).where(
        comments.c.thread_id == thread_id, comments.c.status == "visible"
    )
    return int(conn.execute(query).scalar_one())
