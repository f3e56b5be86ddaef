"""Sites: the publications one server serves, each with its allowed origins."""

from __future__ import annotations

from typing import Any

from townhall.domain.services import Services
from townhall.errors import NotFound
from townhall.store import sites as site_store

DEFAULT_SITE = "default"


def ensure_default_site(services: Services) -> None:
    """The default site exists from the first start; its origins follow the settings."""
    origins = services.settings.origins
    with services.db.write() as conn:
        site = site_store.by_slug(conn, DEFAULT_SITE)
        if site is None:
            site_store.create(conn, DEFAULT_SITE, "Default site", origins, services.clock.now_ms())
        elif origins and site["origins"] != ",".join(origins):
            site_store.set_origins(conn, site["id"], origins)


def get_site(services: Services, slug: str) -> dict[str, Any]:
    with services.db.read() as conn:
        site = site_store.by_slug(conn, slug)
    if site is None:
        raise NotFound(f"There is no site called {slug!r} on this server.")
    return site


def allowed_origins(site: dict[str, Any]) -> list[str]:
    return [o for o in str(site["origins"]).split(",") if o]


def all_allowed_origins(services: Services) -> set[str]:
    with services.db.read() as conn:
        return {o for site in site_store.all_sites(conn) for o in allowed_origins(site)}


def list_sites(services: Services) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        return site_store.all_sites(conn)
