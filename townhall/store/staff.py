"""Per-site staff (site_roles), moderators' notes on users, and sites' moderation settings."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from townhall.store.schema import comments, site_roles, sites, threads, user_notes, users


# --- per-site roles ---------------------------------------------------------------------
def moderated_sites(conn: Connection, user_id: int) -> list[int]:
    query = select(site_roles.c.site_id).where(
        site_roles.c.user_id == user_id, site_roles.c.role == "moderator"
    )
    return sorted(int(r[0]) for r in conn.execute(query))


def grant_site_role(conn: Connection, *, site_id: int, user_id: int, role: str) -> None:
    revoke_site_role(conn, site_id=site_id, user_id=user_id)
    conn.execute(insert(site_roles).values(site_id=site_id, user_id=user_id, role=role))


def revoke_site_role(conn: Connection, *, site_id: int, user_id: int) -> None:
    conn.execute(
        delete(site_roles).where(site_roles.c.site_id == site_id, site_roles.c.user_id == user_id)
    )


def site_staff(conn: Connection, site_id: int) -> list[dict[str, Any]]:
    query = (
        select(site_roles, users.c.name, users.c.email)
        .join(users, users.c.id == site_roles.c.user_id)
        .where(site_roles.c.site_id == site_id)
        .order_by(users.c.name)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def has_commented_on(conn: Connection, user_id: int, site_ids: list[int]) -> bool:
    """Whether the user wrote anything on one of these sites: a site moderator's users."""
    query = (
        select(comments.c.id)
        .join(threads, threads.c.id == comments.c.thread_id)
        .where(comments.c.author_id == user_id, threads.c.site_id.in_(site_ids))
    )
    return conn.execute(query.limit(1)).first() is not None


# --- notes on users ---------------------------------------------------------------------
def add_note(
    conn: Connection, *, user_id: int, site_id: int | None, author_id: int, text: str, now: int
) -> int:
    result = conn.execute(
        insert(user_notes).values(
            user_id=user_id, site_id=site_id, author_id=author_id, text=text, created_at=now
        )
    )
    return int(result.inserted_primary_key[0])


def notes_on(
    conn: Connection, user_id: int, site_ids: list[int] | None, limit: int = 100
) -> list[dict[str, Any]]:
    """A user's notes, newest first; ``site_ids`` limits them to those sites' notes and the
    notes meant for every site (site_id NULL)."""
    query = (
        select(user_notes, users.c.name.label("author_name"))
        .outerjoin(users, users.c.id == user_notes.c.author_id)
        .where(user_notes.c.user_id == user_id)
    )
    if site_ids is not None:
        query = query.where(user_notes.c.site_id.is_(None) | user_notes.c.site_id.in_(site_ids))
    query = query.order_by(user_notes.c.created_at.desc(), user_notes.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


# --- site settings ----------------------------------------------------------------------
_SITE_SETTINGS = select(sites.c.settings).where(sites.c.id == bindparam("site_id"))


def site_settings(conn: Connection, site_id: int) -> dict[str, Any]:
    raw = conn.execute(_SITE_SETTINGS, {"site_id": site_id}).scalar()
    try:
        found = json.loads(raw or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def set_site_settings(conn: Connection, site_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(sites)
        .where(sites.c.id == site_id)
        .values(settings=json.dumps(values, sort_keys=True))
    )
