"""Staff: who moderates which site (per-site roles) and moderators' notes on users.

A user whose global role is moderator or admin acts on every site, as before. A reader
given the moderator role on a site (site_roles) acts on that site's comments, queues,
stories and users only; ``moderator`` loads those site ids into the actor, and the access
functions (townhall.domain.access) check them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from townhall.domain.access import (
    STAFF,
    access_admin,
    access_moderate,
    access_signed_in,
    access_site,
    moderated_site_ids,
)
from townhall.domain.services import Services
from townhall.errors import Forbidden, InvalidInput, NotFound, NotSignedIn
from townhall.store import moderation as moderation_store
from townhall.store import sites as site_store
from townhall.store import staff as store
from townhall.store import users as user_store

SITE_ROLES = ("moderator",)
NOTE_LIMIT = 2000


def moderator(
    conn: Connection, user: dict[str, Any] | None, action: str = "moderate"
) -> dict[str, Any]:
    """The signed-in moderator with the sites they moderate (``sites``), or Forbidden."""
    actor = access_signed_in(user, action)
    if actor["role"] not in STAFF:
        actor = {**actor, "sites": store.moderated_sites(conn, actor["id"])}
    return access_moderate(actor, action)


def actor(
    services: Services, user: dict[str, Any] | None, action: str = "moderate"
) -> dict[str, Any]:
    """``moderator`` in a read transaction of its own; global staff need no query."""
    found = access_signed_in(user, action)
    if found["role"] in STAFF:
        return found
    with services.db.read() as conn:
        return moderator(conn, found, action)


def is_moderator(services: Services, user: dict[str, Any] | None) -> bool:
    """Whether the dashboard is for this user: global staff or moderator of some site."""
    try:
        actor(services, user)
    except (NotSignedIn, Forbidden):
        return False
    return True


def access_user(conn: Connection, actor: dict[str, Any], user_id: int) -> dict[str, Any]:
    """A user a moderator may act on: anyone for global staff; for a site moderator, a
    reader who wrote on one of their sites (others answer 404, as if absent)."""
    target = user_store.by_id(conn, user_id)
    if target is None:
        raise NotFound(f"There is no user {user_id}.")
    scope = moderated_site_ids(actor)
    if scope is not None and not store.has_commented_on(conn, user_id, scope):
        raise NotFound(f"There is no user {user_id} on the sites you moderate.")
    if target["role"] in STAFF and actor["role"] != "admin":
        raise Forbidden("Only an admin may act on a moderator's account.")
    return target


# --- per-site roles ---------------------------------------------------------------------
def set_site_role(
    services: Services,
    *,
    user: dict[str, Any] | None,
    email: str,
    site: str,
    role: str | None,
    trusted: bool = False,
) -> dict[str, Any]:
    """Make ``email`` a moderator of ``site`` (role None removes the role). Admins only,
    or ``trusted`` for the command line, which already holds the database."""
    actor = None if trusted else access_admin(user, "grant a site role")
    if role is not None and role not in SITE_ROLES:
        raise InvalidInput(f"A site role is one of {', '.join(SITE_ROLES)}; got {role!r}.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        found = site_store.by_slug(conn, site)
        if found is None:
            raise NotFound(f"There is no site called {site!r} on this server.")
        target = user_store.by_email(conn, email.strip().lower())
        if target is None:
            raise InvalidInput(f"No account has the email {email!r}; create it first.")
        if role is None:
            store.revoke_site_role(conn, site_id=found["id"], user_id=target["id"])
        else:
            store.grant_site_role(conn, site_id=found["id"], user_id=target["id"], role=role)
        moderation_store.audit(
            conn,
            site_id=found["id"],
            actor_id=actor["id"] if actor else None,
            action=f"site-role-{role or 'none'}",
            target_type="user",
            target_id=target["id"],
            reason=None,
            now=now,
        )
    return {"user_id": target["id"], "email": target["email"], "site": site, "role": role}


def site_staff(
    services: Services, *, user: dict[str, Any] | None, site_id: int
) -> list[dict[str, Any]]:
    access_admin(user, "see a site's moderators")
    with services.db.read() as conn:
        return store.site_staff(conn, site_id)


# --- notes on users ---------------------------------------------------------------------
def add_note(
    services: Services,
    *,
    user: dict[str, Any] | None,
    user_id: int,
    text: str,
    site_id: int | None = None,
) -> dict[str, Any]:
    """A moderator's note on a user, for the other moderators; written to the audit log.
    A site moderator's notes belong to one of their sites."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(
            "Write the note before saving it.",
            errors=[{"field": "text", "message": "The note is empty."}],
        )
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(f"The note is {len(text):,} characters; the limit is {NOTE_LIMIT:,}.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        actor = moderator(conn, user, "write notes on users")
        access_user(conn, actor, user_id)
        scope = moderated_site_ids(actor)
        if scope is not None and site_id is None:
            site_id = scope[0]
        if site_id is not None:
            access_site(actor, site_id, f"site {site_id}")
        note_id = store.add_note(
            conn, user_id=user_id, site_id=site_id, author_id=actor["id"], text=text, now=now
        )
        moderation_store.audit(
            conn,
            site_id=site_id,
            actor_id=actor["id"],
            action="note",
            target_type="user",
            target_id=user_id,
            reason=text[:1000],
            now=now,
        )
    return {"id": note_id, "user_id": user_id, "site_id": site_id, "text": text, "created_at": now}


def notes(services: Services, *, user: dict[str, Any] | None, user_id: int) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        actor = moderator(conn, user, "read notes on users")
        access_user(conn, actor, user_id)
        return store.notes_on(conn, user_id, moderated_site_ids(actor))
