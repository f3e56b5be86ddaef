"""Webhooks and their delivery outbox (#5).

A delivery row is written in the same transaction as the change it reports. Its state:
pending while ``next_attempt_at`` is set and ``delivered_at`` is not; delivered once
``delivered_at`` is set; failed (given up) when neither is set.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from townhall.store.schema import sites, webhook_deliveries, webhooks

_hook_columns = (
    webhooks.c.id,
    webhooks.c.site_id,
    webhooks.c.url,
    webhooks.c.events,
    webhooks.c.created_at,
)


def create(conn: Connection, *, site_id: int, url: str, secret: str, events: str, now: int) -> int:
    result = conn.execute(
        insert(webhooks).values(
            site_id=site_id, url=url, secret=secret, events=events, created_at=now
        )
    )
    return int(result.inserted_primary_key[0])


def by_id(conn: Connection, hook_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(webhooks).where(webhooks.c.id == hook_id)).mappings().first()
    return dict(row) if row else None


def for_site(conn: Connection, site_id: int) -> list[dict[str, Any]]:
    """A site's webhooks (never their secrets) with their pending and failed counts."""
    d = webhook_deliveries
    pending = (
        select(func.count())
        .where(d.c.webhook_id == webhooks.c.id, d.c.delivered_at.is_(None))
        .where(d.c.next_attempt_at.is_not(None))
        .scalar_subquery()
    )
    failed = (
        select(func.count())
        .where(d.c.webhook_id == webhooks.c.id, d.c.delivered_at.is_(None))
        .where(d.c.next_attempt_at.is_(None))
        .scalar_subquery()
    )
    query = (
        select(*_hook_columns, pending.label("pending"), failed.label("failed"))
        .where(webhooks.c.site_id == site_id)
        .order_by(webhooks.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def subscribers(conn: Connection, site_id: int | None) -> list[dict[str, Any]]:
    """Webhooks that may want an event of ``site_id`` (every site's when None), with the
    site each belongs to."""
    if site_id is None:
        return [dict(r) for r in conn.execute(_ALL_SUBSCRIBERS).mappings()]
    return [dict(r) for r in conn.execute(_SITE_SUBSCRIBERS, {"site_id": site_id}).mappings()]


# Built once (every post asks, #7).
_SUBSCRIBERS = select(
    webhooks.c.id,
    webhooks.c.events,
    sites.c.id.label("site_id"),
    sites.c.slug.label("site_slug"),
    sites.c.name.label("site_name"),
).join(sites, sites.c.id == webhooks.c.site_id)
_ALL_SUBSCRIBERS = _SUBSCRIBERS.order_by(webhooks.c.id)
_SITE_SUBSCRIBERS = _SUBSCRIBERS.where(webhooks.c.site_id == bindparam("site_id")).order_by(
    webhooks.c.id
)


def set_secret(conn: Connection, hook_id: int, secret: str) -> None:
    conn.execute(update(webhooks).where(webhooks.c.id == hook_id).values(secret=secret))


def remove(conn: Connection, hook_id: int) -> None:
    conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == hook_id))
    conn.execute(delete(webhooks).where(webhooks.c.id == hook_id))


# --- the outbox ----------------------------------------------------------------------


def enqueue(conn: Connection, *, webhook_id: int, event: str, payload: str, now: int) -> int:
    result = conn.execute(
        insert(webhook_deliveries).values(
            webhook_id=webhook_id,
            event=event,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])


def due(conn: Connection, now: int, limit: int) -> list[tuple[int, int]]:
    """(id, next_attempt_at) of deliveries whose time has come, oldest first."""
    d = webhook_deliveries
    query = (
        select(d.c.id, d.c.next_attempt_at)
        .where(d.c.next_attempt_at <= now, d.c.delivered_at.is_(None))
        .order_by(d.c.next_attempt_at)
        .limit(limit)
    )
    return [(int(r[0]), int(r[1])) for r in conn.execute(query)]


def claim(conn: Connection, delivery_id: int, seen: int, lease_until: int) -> bool:
    """Take a due delivery for one attempt. Only the node whose UPDATE still finds the
    ``next_attempt_at`` it saw wins; the lease makes the row due again if that node dies."""
    d = webhook_deliveries
    result = conn.execute(
        update(d)
        .where(d.c.id == delivery_id, d.c.next_attempt_at == seen, d.c.delivered_at.is_(None))
        .values(next_attempt_at=lease_until, attempts=d.c.attempts + 1)
    )
    return result.rowcount == 1


def with_hook(conn: Connection, delivery_id: int) -> dict[str, Any] | None:
    d = webhook_deliveries
    query = (
        select(d, webhooks.c.url, webhooks.c.secret, webhooks.c.site_id)
        .join(webhooks, webhooks.c.id == d.c.webhook_id)
        .where(d.c.id == delivery_id)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def record_attempt(
    conn: Connection,
    delivery_id: int,
    *,
    status: int | None,
    error: str | None,
    delivered_at: int | None,
    next_attempt_at: int | None,
) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            last_status=status,
            last_error=error[:500] if error else None,
            delivered_at=delivered_at,
            next_attempt_at=next_attempt_at,
        )
    )


def deliveries(conn: Connection, hook_id: int, limit: int) -> list[dict[str, Any]]:
    d = webhook_deliveries
    query = (
        select(d)
        .where(d.c.webhook_id == hook_id)
        .order_by(d.c.created_at.desc(), d.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def prune(conn: Connection, before: int) -> int:
    """Delete delivered and given-up deliveries created before ``before``; never pending."""
    d = webhook_deliveries
    result = conn.execute(delete(d).where(d.c.created_at < before, d.c.next_attempt_at.is_(None)))
    return int(result.rowcount or 0)


def retry_now(conn: Connection, *, hook_id: int, delivery_id: int, now: int) -> bool:
    """Make an undelivered delivery (pending or given up) due now; False if it was
    delivered or is not this webhook's. A given-up one gets one more attempt."""
    d = webhook_deliveries
    result = conn.execute(
        update(d)
        .where(d.c.id == delivery_id, d.c.webhook_id == hook_id, d.c.delivered_at.is_(None))
        .values(next_attempt_at=now)
    )
    return result.rowcount == 1
