"""Reply notifications (#5): the in-box list, the batched reply mail's queue, readers'
notification choices, and the listings behind "my comments" and the Atom feeds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from townhall.store.schema import comments, notifications, notify_prefs, threads, users

REPLY = "reply"

_reply = comments.alias("reply")
_parent = comments.alias("parent")
_replier = users.alias("replier")


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


# --- creating ---------------------------------------------------------------------------------


def reply_target(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """Who a published reply should notify: the parent's author, unless they wrote the
    reply themselves or the parent has no author. None when nobody is to be told."""
    query = (
        select(
            _reply.c.id,
            _reply.c.thread_id,
            threads.c.site_id,
            _parent.c.author_id.label("user_id"),
        )
        .select_from(_reply)
        .join(_parent, _parent.c.id == _reply.c.parent_id)
        .join(threads, threads.c.id == _reply.c.thread_id)
        .where(
            _reply.c.id == comment_id,
            _reply.c.status == "visible",
            _parent.c.author_id.is_not(None),
            or_(_reply.c.author_id.is_(None), _reply.c.author_id != _parent.c.author_id),
        )
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, target: dict[str, Any], kind: str, now: int) -> bool:
    """Adds the notification once; a second approval of the same reply adds nothing."""
    statement = (
        _insert(conn)(notifications)
        .values(
            user_id=target["user_id"],
            site_id=target["site_id"],
            thread_id=target["thread_id"],
            comment_id=target["id"],
            kind=kind,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "comment_id", "kind"])
    )
    return bool(conn.execute(statement).rowcount)


# --- the in-box list --------------------------------------------------------------------------


def _listing() -> Any:
    return (
        select(
            notifications.c.id,
            notifications.c.kind,
            notifications.c.comment_id,
            notifications.c.created_at,
            notifications.c.read_at,
            _reply.c.html,
            _reply.c.parent_id,
            _reply.c.author_id,
            _replier.c.name.label("author_name"),
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.url.label("thread_url"),
        )
        .select_from(notifications)
        .join(_reply, _reply.c.id == notifications.c.comment_id)
        .join(threads, threads.c.id == notifications.c.thread_id)
        .outerjoin(_replier, _replier.c.id == _reply.c.author_id)
        # A reply a moderator later removed, or its author deleted, drops out of the list.
        .where(_reply.c.status == "visible")
    )


def page(
    conn: Connection, *, user_id: int, site_id: int | None, before: int | None, limit: int
) -> list[dict[str, Any]]:
    query = _listing().where(notifications.c.user_id == user_id)
    if site_id is not None:
        query = query.where(notifications.c.site_id == site_id)
    if before is not None:
        query = query.where(notifications.c.id < before)
    query = query.order_by(notifications.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def unread_count(conn: Connection, *, user_id: int, site_id: int | None) -> int:
    query = (
        select(func.count())
        .select_from(notifications)
        .join(_reply, _reply.c.id == notifications.c.comment_id)
        .where(
            notifications.c.user_id == user_id,
            notifications.c.read_at.is_(None),
            _reply.c.status == "visible",
        )
    )
    if site_id is not None:
        query = query.where(notifications.c.site_id == site_id)
    return int(conn.execute(query).scalar_one())


def mark_read(
    conn: Connection, *, user_id: int, ids: list[int] | None, site_id: int | None, now: int
) -> int:
    statement = update(notifications).where(
        notifications.c.user_id == user_id, notifications.c.read_at.is_(None)
    )
    if ids is not None:
        statement = statement.where(notifications.c.id.in_(ids))
    if site_id is not None:
        statement = statement.where(notifications.c.site_id == site_id)
    return int(conn.execute(statement.values(read_at=now)).rowcount)


# --- choices ----------------------------------------------------------------------------------


def prefs(conn: Connection, user_id: int) -> dict[str, Any] | None:
    query = select(notify_prefs).where(notify_prefs.c.user_id == user_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def save_prefs(
    conn: Connection, *, user_id: int, reply_email: bool, key: str, now: int, language: str
) -> None:
    """Creates the row with ``key``, or changes the choice and keeps the key it had (links
    already mailed keep working)."""
    values = {"reply_email": reply_email, "updated_at": now, "language": language}
    statement = _insert(conn)(notify_prefs).values(user_id=user_id, key=key, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


def skip_unmailed(conn: Connection, user_id: int, now: int) -> None:
    """Replies from before a reader turned the mail on are not mailed afterwards."""
    conn.execute(
        update(notifications)
        .where(notifications.c.user_id == user_id, notifications.c.mailed_at.is_(None))
        .values(mailed_at=now)
    )


# --- the batched reply mail -------------------------------------------------------------------


def due_users(conn: Connection, *, now: int, window_ms: int, limit: int) -> list[int]:
    """Readers who take reply mail, have a confirmed address, and whose oldest unmailed
    reply waited a whole window (the batch closes then) since their last mail."""
    cutoff = now - window_ms
    query = (
        select(notifications.c.user_id)
        .select_from(notifications)
        .join(notify_prefs, notify_prefs.c.user_id == notifications.c.user_id)
        .join(users, users.c.id == notifications.c.user_id)
        .where(
            notifications.c.mailed_at.is_(None),
            notify_prefs.c.reply_email.is_(True),
            users.c.email_verified_at.is_not(None),
            or_(notify_prefs.c.last_mailed_at.is_(None), notify_prefs.c.last_mailed_at <= cutoff),
        )
        .group_by(notifications.c.user_id)
        .having(func.min(notifications.c.created_at) <= cutoff)
        .limit(limit)
    )
    return [int(r) for r in conn.execute(query).scalars()]


def claim(conn: Connection, *, user_id: int, now: int, window_ms: int) -> int | None:
    """Claims the reader's next mail for this node: the UPDATE succeeds on one node only,
    because the other's WHERE no longer holds once the first commits. Returns the previous
    last_mailed_at (to put back if sending fails), or None when another node has it."""
    before = prefs(conn, user_id)
    if before is None:
        return None
    statement = (
        update(notify_prefs)
        .where(
            notify_prefs.c.user_id == user_id,
            notify_prefs.c.reply_email.is_(True),
            or_(
                notify_prefs.c.last_mailed_at.is_(None),
                notify_prefs.c.last_mailed_at <= now - window_ms,
            ),
        )
        .values(last_mailed_at=now)
    )
    if conn.execute(statement).rowcount != 1:
        return None
    return int(before["last_mailed_at"] or 0)


def claim_rows(conn: Connection, *, user_id: int, now: int) -> list[dict[str, Any]]:
    """Marks every unmailed notification of the reader as mailed now (only rows still
    unmailed: WHERE mailed_at IS NULL), and returns the published replies among them."""
    conn.execute(
        update(notifications)
        .where(
            notifications.c.user_id == user_id,
            notifications.c.mailed_at.is_(None),
            notifications.c.created_at <= now,
        )
        .values(mailed_at=now)
    )
    query = (
        _listing()
        .where(notifications.c.user_id == user_id, notifications.c.mailed_at == now)
        .order_by(notifications.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def release(conn: Connection, *, user_id: int, now: int, last_mailed_at: int | None) -> None:
    """Sending failed: the rows go back in the queue and the window as it was."""
    conn.execute(
        update(notifications)
        .where(notifications.c.user_id == user_id, notifications.c.mailed_at == now)
        .values(mailed_at=None)
    )
    conn.execute(
        update(notify_prefs)
        .where(notify_prefs.c.user_id == user_id, notify_prefs.c.last_mailed_at == now)
        .values(last_mailed_at=last_mailed_at or None)
    )


def unsubscribe(conn: Connection, user_id: int, now: int) -> bool:
    statement = (
        update(notify_prefs)
        .where(notify_prefs.c.user_id == user_id, notify_prefs.c.reply_email.is_(True))
        .values(reply_email=False, updated_at=now)
    )
    return bool(conn.execute(statement).rowcount)


# --- "my comments and replies" and the feeds --------------------------------------------------


def my_comments(
    conn: Connection, *, user_id: int, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """The reader's published and held comments, newest first, with their articles."""
    query = (
        select(
            comments.c.id,
            comments.c.html,
            comments.c.status,
            comments.c.held_reason,
            comments.c.created_at,
            comments.c.reply_count,
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.url.label("thread_url"),
        )
        .select_from(comments)
        .join(threads, threads.c.id == comments.c.thread_id)
        .where(comments.c.author_id == user_id, comments.c.status.in_(("visible", "pending")))
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(comments.c.id < before)
    return [dict(r) for r in conn.execute(query).mappings()]


def replies_to(conn: Connection, parent_ids: list[int], per_parent: int) -> list[dict[str, Any]]:
    """Published direct replies to these comments, oldest first, at most ``per_parent``
    each (a window function: one query however many comments are on the page)."""
    if not parent_ids:
        return []
    position = (
        func.row_number()
        .over(partition_by=comments.c.parent_id, order_by=(comments.c.created_at, comments.c.id))
        .label("position")
    )
    ranked = (
        select(
            comments.c.id,
            comments.c.parent_id,
            comments.c.html,
            comments.c.created_at,
            users.c.name.label("author_name"),
            position,
        )
        .select_from(comments)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(comments.c.parent_id.in_(parent_ids), comments.c.status == "visible")
        .subquery()
    )
    query = (
        select(ranked)
        .where(ranked.c.position <= per_parent)
        .order_by(ranked.c.created_at, ranked.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def replies_to_user(conn: Connection, user_id: int, limit: int) -> list[dict[str, Any]]:
    """Published replies to the user's published comments, newest first (their feed)."""
    query = (
        select(
            _reply.c.id,
            _reply.c.parent_id,
            _reply.c.html,
            _reply.c.created_at,
            _reply.c.edited_at,
            _replier.c.name.label("author_name"),
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.url.label("thread_url"),
        )
        .select_from(_reply)
        .join(_parent, _parent.c.id == _reply.c.parent_id)
        .join(threads, threads.c.id == _reply.c.thread_id)
        .outerjoin(_replier, _replier.c.id == _reply.c.author_id)
        .where(
            _parent.c.author_id == user_id,
            _parent.c.status == "visible",
            _reply.c.status == "visible",
            or_(_reply.c.author_id.is_(None), _reply.c.author_id != user_id),
        )
        .order_by(_reply.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def thread_latest(conn: Connection, thread_id: int, limit: int) -> list[dict[str, Any]]:
    """A thread's newest published comments, for its feed."""
    query = (
        select(
            comments.c.id,
            comments.c.parent_id,
            comments.c.html,
            comments.c.created_at,
            comments.c.edited_at,
            users.c.name.label("author_name"),
        )
        .select_from(comments)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .where(and_(comments.c.thread_id == thread_id, comments.c.status == "visible"))
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
