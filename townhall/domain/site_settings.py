"""A site's own moderation settings (sites.settings, JSON) over the server's defaults.

Only the keys in FIELDS may be set per site; every other setting, and every key a site
leaves out, comes from the server's settings (TOWNHALL_MODERATION_*). The pipeline reads
``effective`` for each comment, so a word banned on one site is published on another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from townhall.domain.access import access_admin
from townhall.domain.services import Services
from townhall.errors import InvalidInput, NotFound
from townhall.i18n import N_, problem
from townhall.settings import Settings
from townhall.store import moderation as moderation_store
from townhall.store import sites as site_store
from townhall.store import staff as store

MAX_WORDS = 20_000


@dataclass(frozen=True)
class Field:
    name: str
    kind: type
    label: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()


FIELDS = {
    f.name: f
    for f in (
        # Labels are N_-marked: the dashboard shows them in the staff member's language.
        Field("moderation_mode", str, N_("Default story mode"), choices=("open", "premoderated")),
        Field("moderation_toxicity_hold", float, N_("Toxicity score that holds"), 0.0, 1.0),
        Field(
            "moderation_toxicity_reject", float, N_("Toxicity score that rejects (0: never)"), 0, 1
        ),
        Field("moderation_banned_words", str, N_("Banned words (rejected)")),
        Field("moderation_suspect_words", str, N_("Suspect words (held for review)")),
        Field("moderation_max_links", int, N_("Links allowed before a comment is held"), 0, 100),
        Field("moderation_premod_links", bool, N_("Pre-moderate every comment with a link")),
        Field(
            "moderation_premod_first_comment", bool, N_("Pre-moderate new accounts' first comment")
        ),
        # privacy (#5): a deleted account's comments stay as "deleted user" or go
        Field(
            "deleted_account_comments",
            str,
            N_("A deleted account's comments"),
            choices=("anonymise", "remove"),
        ),
    )
}


def _check(field: Field, raw: Any) -> Any:
    """The value as its type, or InvalidInput saying what the field accepts."""
    wrong = InvalidInput(
        f"{field.label}: {_accepts(field)}; got {str(raw)[:40]!r}.",
        errors=[{"field": field.name, "message": _accepts(field)}],
    )
    if field.kind is bool:
        if not isinstance(raw, bool):
            raise wrong
        return raw
    if field.kind is str:
        if not isinstance(raw, str) or len(raw) > MAX_WORDS:
            raise wrong
        value = raw.strip()
        if field.choices and value not in field.choices:
            raise wrong
        return value
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise wrong
    try:
        number = field.kind(raw)
    except (TypeError, ValueError):
        raise wrong from None
    if not field.low <= number <= field.high:
        raise wrong
    return number


def _accepts(field: Field) -> str:
    if field.kind is bool:
        return "use true or false"
    if field.choices:
        return f"use one of {', '.join(field.choices)}"
    if field.kind is str:
        return f"a comma-separated list of at most {MAX_WORDS:,} characters (stem* matches stems)"
    kind = "a whole number" if field.kind is int else "a number"
    return f"use {kind} from {field.low:g} to {field.high:g}"


def effective(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """The server's settings with the site's own values over them (unknown keys ignored)."""
    known = {k: v for k, v in overrides.items() if k in FIELDS}
    return settings.replace(**known) if known else settings


def for_site(services: Services, conn: Connection, site_id: int) -> Settings:
    """The settings the pipeline applies to a comment on this site."""
    return effective(services.settings, store.site_settings(conn, site_id))


def get(services: Services, *, user: dict[str, Any] | None, site: str) -> dict[str, Any]:
    access_admin(user, "see a site's moderation settings")
    with services.db.read() as conn:
        found = _site(conn, site)
        own = store.site_settings(conn, found["id"])
        merged = effective(services.settings, own)
        staff = store.site_staff(conn, found["id"])
    return {
        "site": found["slug"],
        "own": {k: v for k, v in own.items() if k in FIELDS},
        "effective": {name: getattr(merged, name) for name in FIELDS},
        "staff": [{"user_id": s["user_id"], "name": s["name"], "role": s["role"]} for s in staff],
    }


def update(
    services: Services, *, user: dict[str, Any] | None, site: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Set the given keys; a key set to None goes back to the server's default."""
    actor = access_admin(user, "change a site's moderation settings")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"{unknown[0]!r} is not a site setting; site settings are {', '.join(FIELDS)}.",
            errors=[{"field": unknown[0], "message": "Not a site setting."}],
        )
    checked = {k: (None if v is None else _check(FIELDS[k], v)) for k, v in values.items()}
    now = services.clock.now_ms()
    with services.db.write() as conn:
        found = _site(conn, site)
        own = store.site_settings(conn, found["id"])
        for key, value in checked.items():
            if value is None:
                own.pop(key, None)
            else:
                own[key] = value
        store.set_site_settings(conn, found["id"], own)
        moderation_store.audit(
            conn,
            site_id=found["id"],
            actor_id=actor["id"],
            action="site-settings",
            target_type="site",
            target_id=found["id"],
            reason=", ".join(sorted(checked))[:1000],
            now=now,
        )
    return get(services, user=user, site=site)


def _site(conn: Connection, slug: str) -> dict[str, Any]:
    found = site_store.by_slug(conn, slug)
    if found is None:
        raise problem(NotFound, N_("There is no site called '%(slug)s' on this server."), slug=slug)
    return found
