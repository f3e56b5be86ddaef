"""Second sites and site moderators for the per-site stories (#3, roles)."""

from __future__ import annotations

from typing import Any

from tests.conftest import ORIGIN, Reader
from townhall.domain.services import Services
from townhall.store import sites as site_store
from townhall.store import staff as staff_store


def make_site(services: Services, slug: str, **settings: Any) -> dict[str, Any]:
    """A site beside the default one, with its own moderation ``settings`` if given."""
    with services.db.write() as conn:
        site = site_store.create(conn, slug, slug.title(), [ORIGIN], services.clock.now_ms())
        if settings:
            staff_store.set_site_settings(conn, site["id"], settings)
        return site


def site_moderator(services: Services, reader: Reader, slug: str) -> Reader:
    """``reader`` made moderator of one site through site_roles; globally still a reader."""
    assert reader.user is not None
    with services.db.write() as conn:
        site = site_store.by_slug(conn, slug)
        assert site is not None
        staff_store.grant_site_role(
            conn, site_id=site["id"], user_id=reader.user["id"], role="moderator"
        )
    return reader
