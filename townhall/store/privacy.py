"""Personal data (issue #5): the address-hash key and its purge, a reader's export, and
what deleting an account erases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from townhall.store.schema import (
    comment_checks,
    comment_revisions,
    comments,
    dsa_notices,
    email_tokens,
    external_identities,
    near_dup_bands,
    notifications,
    notify_prefs,
    reactions,
    recovery_codes,
    reports,
    server_secrets,
    sessions,
    site_roles,
    sites,
    threads,
    totp_secrets,
    user_notes,
    user_standing,
    users,
)

IP_HASH_KEY = "ip_hash"


def ip_hash_key(conn: Connection) -> str:
    value = conn.execute(
        select(server_secrets.c.value).where(server_secrets.c.name == IP_HASH_KEY)
    ).scalar_one_or_none()
    if value is None:
        raise RuntimeError("The database has no IP hash key; run `townhall migrate`.")
    return str(value)


def purge_addresses(conn: Connection, before: int) -> int:
    """Clears the address hash of comments, and the network hash of their checks, made
    before ``before`` (ms)."""
    purged = conn.execute(
        update(comments)
        .where(comments.c.created_at < before, comments.c.remote_addr.is_not(None))
        .values(remote_addr=None)
    ).rowcount
    purged += conn.execute(
        update(comment_checks)
        .where(comment_checks.c.created_at < before, comment_checks.c.network.is_not(None))
        .values(network=None)
    ).rowcount
    return int(purged)


# --- a reader's own data: the export (GET /api/v1/me/export) -----------------------------


def session_started(conn: Connection, token_hash: str) -> int | None:
    return conn.execute(
        select(sessions.c.created_at).where(sessions.c.token_hash == token_hash)
    ).scalar_one_or_none()


def comments_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            comments.c.id,
            comments.c.parent_id,
            comments.c.body,
            comments.c.status,
            comments.c.created_at,
            comments.c.edited_at,
            comments.c.reaction_count,
            comments.c.reply_count,
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.url.label("thread_url"),
            sites.c.slug.label("site"),
        )
        .join(threads, threads.c.id == comments.c.thread_id)
        .join(sites, sites.c.id == threads.c.site_id)
        .where(comments.c.author_id == user_id)
        .order_by(comments.c.created_at, comments.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def reactions_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            reactions.c.comment_id,
            reactions.c.kind,
            reactions.c.created_at,
            threads.c.url.label("thread_url"),
        )
        .join(comments, comments.c.id == reactions.c.comment_id)
        .join(threads, threads.c.id == comments.c.thread_id)
        .where(reactions.c.user_id == user_id)
        .order_by(reactions.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def reports_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            reports.c.comment_id,
            reports.c.reason,
            reports.c.text,
            reports.c.created_at,
            reports.c.resolved_at,
        )
        .where(reports.c.reporter_id == user_id)
        .order_by(reports.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def notices_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            dsa_notices.c.comment_id,
            dsa_notices.c.category,
            dsa_notices.c.explanation,
            dsa_notices.c.reporter_name,
            dsa_notices.c.reporter_email,
            dsa_notices.c.created_at,
            dsa_notices.c.decided_at,
            dsa_notices.c.decision,
            dsa_notices.c.statement,
        )
        .where(dsa_notices.c.reporter_id == user_id)
        .order_by(dsa_notices.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def notification_prefs(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(notify_prefs.c.reply_email, notify_prefs.c.updated_at).where(
                notify_prefs.c.user_id == user_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def notifications_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            notifications.c.comment_id,
            notifications.c.kind,
            notifications.c.created_at,
            notifications.c.read_at,
            notifications.c.mailed_at,
        )
        .where(notifications.c.user_id == user_id)
        .order_by(notifications.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def identities_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            external_identities.c.provider,
            external_identities.c.subject,
            external_identities.c.profile,
            external_identities.c.created_at,
            sites.c.slug.label("site"),
        )
        .join(sites, sites.c.id == external_identities.c.site_id)
        .where(external_identities.c.user_id == user_id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def has_second_factor(conn: Connection, user_id: int) -> bool:
    return (
        conn.execute(
            select(totp_secrets.c.user_id).where(
                totp_secrets.c.user_id == user_id, totp_secrets.c.confirmed_at.is_not(None)
            )
        ).first()
        is not None
    )


# --- deleting an account (DELETE /api/v1/me) ----------------------------------------------


def live_comments_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The author's comments that are not deleted yet, for removing them."""
    query = select(
        comments.c.id, comments.c.thread_id, comments.c.parent_id, comments.c.status
    ).where(comments.c.author_id == user_id, comments.c.status != "deleted")
    return [dict(r) for r in conn.execute(query).mappings()]


def blank_comments(conn: Connection, comment_ids: list[int]) -> None:
    """Removed with their author's account: the text and everything derived from it go;
    the row stays as a "deleted" placeholder so the replies under it keep their place."""
    if not comment_ids:
        return
    conn.execute(
        update(comments)
        .where(comments.c.id.in_(comment_ids))
        .values(
            status="deleted",
            body="",
            html="",
            held_reason=None,
            moderator_note=None,
            featured_at=None,
            remote_addr=None,
        )
    )
    for table in (comment_revisions, comment_checks, near_dup_bands):
        conn.execute(delete(table).where(table.c.comment_id.in_(comment_ids)))


def undo_reactions(conn: Connection, user_id: int) -> list[int]:
    """Takes back the reader's reactions; returns the comments whose count went down."""
    liked = [
        int(r[0])
        for r in conn.execute(select(reactions.c.comment_id).where(reactions.c.user_id == user_id))
    ]
    if liked:
        conn.execute(
            update(comments)
            .where(comments.c.id.in_(liked), comments.c.reaction_count > 0)
            .values(reaction_count=comments.c.reaction_count - 1)
        )
        conn.execute(delete(reactions).where(reactions.c.user_id == user_id))
    return liked


def erase_user(conn: Connection, user_id: int) -> None:
    """Everything that says who the person was goes; the row stays (as "deleted user")
    only so comments that stay keep an author and the audit log its ids."""
    conn.execute(update(comments).where(comments.c.author_id == user_id).values(remote_addr=None))
    conn.execute(
        update(comment_checks).where(comment_checks.c.author_id == user_id).values(network=None)
    )
    for table in (
        sessions,
        email_tokens,
        totp_secrets,
        recovery_codes,
        notify_prefs,
        notifications,
        external_identities,
        reports,
        user_standing,
        user_notes,
        site_roles,
    ):
        column = table.c.reporter_id if table is reports else table.c.user_id
        conn.execute(delete(table).where(column == user_id))
    # A notice of illegal content is a legal record of the site's decision: it stays,
    # without the link to the account.
    conn.execute(
        update(dsa_notices).where(dsa_notices.c.reporter_id == user_id).values(reporter_id=None)
    )
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(
            email=f"deleted-{user_id}@{DELETED_DOMAIN}",
            name=DELETED_NAME,
            password_hash=None,
            role="reader",
            email_verified_at=None,
        )
    )


DELETED_DOMAIN = "deleted.invalid"
DELETED_NAME = "deleted user"
