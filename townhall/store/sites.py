from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from townhall.store.schema import sites

_BY_SLUG = select(sites).where(sites.c.slug == bindparam("slug"))  # every request asks (#7)


def by_slug(conn: Connection, slug: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_SLUG, {"slug": slug}).mappings().first()
    return dict(row) if row else None


def create(conn: Connection, slug: str, name: str, origins: list[str], now: int) -> dict[str, Any]:
    result = conn.execute(
        insert(sites).values(slug=slug, name=name, origins=",".join(origins), created_at=now)
    )
    site = by_slug(conn, slug)
    assert site is not None and site["id"] == result.inserted_primary_key[0]  # noqa: S101
    return site


def set_origins(conn: Connection, site_id: int, origins: list[str]) -> None:
    conn.execute(update(sites).where(sites.c.id == site_id).values(origins=",".join(origins)))


def all_sites(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(sites).order_by(sites.c.id)).mappings()]


def by_id(conn: Connection, site_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(sites).where(sites.c.id == site_id)).mappings().first()
    return dict(row) if row else None
