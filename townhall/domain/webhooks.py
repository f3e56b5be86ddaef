"""Webhooks (#5): what admins register, and the outbox rows each event leaves.

``install`` hangs a stager on the event bus: inside the transaction of every comment,
moderation or ban change, it writes one delivery row per interested webhook, so the
change and its notifications commit together. ``webhook_delivery`` sends them.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection

from townhall import events
from townhall.domain.access import access_admin
from townhall.domain.clock import iso
from townhall.domain.services import Services
from townhall.errors import InvalidInput, NotFound
from townhall.store import comments as comment_store
from townhall.store import sites as site_store
from townhall.store import threads as thread_store
from townhall.store import users as user_store
from townhall.store import webhooks as store

EVENT_TYPES = (
    "comment.created",
    "comment.edited",
    "comment.moderated",
    "user.banned",
    "user.unbanned",
)
MAX_HOOKS_PER_SITE = 20
LOG_LIMIT = 200
DAY_MS = 86_400_000
# Moderation verbs as the payload names them.
ACTIONS = {"approve": "approved", "reject": "rejected", "held": "held"}


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


# --- the SSRF guard ----------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global


def refusal(host: str, address: Address) -> str:
    return (
        f"{host!r} is {address}, a loopback, private or reserved address; webhooks go to"
        " public addresses only (TOWNHALL_WEBHOOK_ALLOW_PRIVATE allows others)."
    )


def _field(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "url", "message": message}])


def refused_address(host: str, port: int) -> str | None:
    """Why ``host`` must not be called (it is or resolves to a loopback, private,
    link-local or otherwise non-public address), or None when every address is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"The host {host!r} does not resolve; check the spelling."
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not is_public(address):
            return refusal(host, address)
    return None


def check_url(url: Any, allow_private: bool) -> str:
    """A webhook URL: http(s), a host, no credentials, and (unless allowed) a public one."""
    if not isinstance(url, str) or not url.strip():
        raise _field("Give the URL that receives the webhook, e.g. https://example.org/hook.")
    url = url.strip()
    if any(c.isspace() or not c.isprintable() for c in url):
        raise _field("The URL has spaces or control characters; write them %-encoded.")
    if len(url) > 2000:
        raise _field(f"The URL is {len(url):,} characters; the limit is 2,000.")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise _field(f"{url[:80]!r} is not a URL: {error}.") from error
    if parts.scheme not in ("http", "https"):
        raise _field(f"Webhook URLs start with https:// (or http://), not {parts.scheme!r}.")
    if not parts.hostname:
        raise _field(f"{url[:80]!r} names no host.")
    if parts.username or parts.password:
        raise _field("Leave the user name and password out of the URL; the signature proves us.")
    if not allow_private:
        why = refused_address(parts.hostname, port)
        if why:
            raise _field(why)
    return url


def check_events(chosen: Any) -> list[str]:
    if not isinstance(chosen, list) or not chosen:
        raise InvalidInput(
            f"Choose at least one event: {', '.join(EVENT_TYPES)}.",
            errors=[{"field": "events", "message": "Choose at least one event."}],
        )
    unknown = [str(e)[:40] for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"Unknown event {unknown[0]!r}; the events are {', '.join(EVENT_TYPES)}.",
            errors=[{"field": "events", "message": f"Unknown event {unknown[0]!r}."}],
        )
    return [e for e in EVENT_TYPES if e in chosen]


# --- admin verbs ---------------------------------------------------------------------


def _access(user: dict[str, Any] | None, action: str, trusted: bool) -> None:
    """Admins only; ``trusted`` for the command line, run by whoever runs the server."""
    if not trusted:
        access_admin(user, action)


def _site(conn: Connection, slug: str) -> dict[str, Any]:
    site = site_store.by_slug(conn, slug)
    if site is None:
        raise NotFound(f"There is no site called {slug!r} on this server.")
    return site


def _hook(conn: Connection, site: dict[str, Any], hook_id: int) -> dict[str, Any]:
    hook = store.by_id(conn, hook_id)
    if hook is None or hook["site_id"] != site["id"]:
        raise NotFound(f"There is no webhook {hook_id} on the site {site['slug']!r}.")
    return hook


def _public(hook: dict[str, Any]) -> dict[str, Any]:
    shown = {str(k): v for k, v in hook.items() if k != "secret"}
    shown["events"] = [e for e in str(hook["events"]).split(",") if e]
    return shown


def list_hooks(
    services: Services, *, user: dict[str, Any] | None, site: str, trusted: bool = False
) -> dict[str, Any]:
    _access(user, "manage webhooks", trusted)
    with services.db.read() as conn:
        found = _site(conn, site)
        hooks = [_public(h) for h in store.for_site(conn, found["id"])]
    return {"site": found["slug"], "webhooks": hooks, "event_types": list(EVENT_TYPES)}


def add_hook(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    url: Any,
    chosen: Any,
    trusted: bool = False,
) -> dict[str, Any]:
    """Register a webhook; the answer holds its secret, shown this once."""
    _access(user, "manage webhooks", trusted)
    url = check_url(url, bool(services.settings.webhook_allow_private))
    kinds = check_events(chosen)
    secret = new_secret()
    now = services.clock.now_ms()
    with services.db.write() as conn:
        found = _site(conn, site)
        if len(store.for_site(conn, found["id"])) >= MAX_HOOKS_PER_SITE:
            raise InvalidInput(f"A site has at most {MAX_HOOKS_PER_SITE} webhooks; delete one.")
        hook_id = store.create(
            conn, site_id=found["id"], url=url, secret=secret, events=",".join(kinds), now=now
        )
        hook = store.by_id(conn, hook_id)
    assert hook is not None  # noqa: S101
    return {**_public(hook), "secret": secret}


def rotate_secret(
    services: Services, *, user: dict[str, Any] | None, site: str, hook_id: int
) -> dict[str, Any]:
    """A new secret at once; deliveries still waiting are signed with it when sent."""
    access_admin(user, "manage webhooks")
    secret = new_secret()
    with services.db.write() as conn:
        hook = _hook(conn, _site(conn, site), hook_id)
        store.set_secret(conn, hook_id, secret)
    return {**_public(hook), "secret": secret}


def delete_hook(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    hook_id: int,
    trusted: bool = False,
) -> None:
    _access(user, "manage webhooks", trusted)
    with services.db.write() as conn:
        _hook(conn, _site(conn, site), hook_id)
        store.remove(conn, hook_id)


def ping(
    services: Services, *, user: dict[str, Any] | None, site: str, hook_id: int
) -> dict[str, Any]:
    """Queue a ``ping`` event to this webhook alone, to try the receiver."""
    access_admin(user, "manage webhooks")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        found = _site(conn, site)
        _hook(conn, found, hook_id)
        payload = _envelope("ping", now, _site_part(found))
        payload["webhook"] = {"id": hook_id}
        delivery_id = store.enqueue(
            conn, webhook_id=hook_id, event="ping", payload=_dump(payload), now=now
        )
    return {"delivery_id": delivery_id, "event_id": payload["id"]}


def delivery_state(row: dict[str, Any]) -> str:
    if row["delivered_at"] is not None:
        return "delivered"
    return "pending" if row["next_attempt_at"] is not None else "failed"


def delivery_log(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    hook_id: int,
    trusted: bool = False,
) -> dict[str, Any]:
    _access(user, "see webhook deliveries", trusted)
    with services.db.read() as conn:
        found = _site(conn, site)
        hook = _hook(conn, found, hook_id)
        rows = [
            {str(k): v for k, v in r.items()} for r in store.deliveries(conn, hook_id, LOG_LIMIT)
        ]
    for row in rows:
        row["state"] = delivery_state(row)
        row["event_id"] = orjson.loads(row.pop("payload")).get("id")
    return {"site": found["slug"], "webhook": _public(hook), "deliveries": rows}


def retry_now(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: str,
    hook_id: int,
    delivery_id: int,
    trusted: bool = False,
) -> dict[str, Any]:
    _access(user, "retry webhook deliveries", trusted)
    with services.db.write() as conn:
        _hook(conn, _site(conn, site), hook_id)
        if not store.retry_now(
            conn, hook_id=hook_id, delivery_id=delivery_id, now=services.clock.now_ms()
        ):
            raise NotFound(
                f"Webhook {hook_id} has no undelivered delivery {delivery_id}; it may have"
                " been delivered meanwhile. Reload the log."
            )
    return {"delivery_id": delivery_id, "state": "pending"}


def prune_log(services: Services) -> int:
    """The scheduled job: forget deliveries older than ``webhook_log_days`` that are done
    (delivered or given up); waiting ones stay however old."""
    cutoff = services.clock.now_ms() - int(services.settings.webhook_log_days) * DAY_MS
    with services.db.write() as conn:
        return store.prune(conn, cutoff)


# --- payloads, written into the outbox inside the change's transaction -------------


def _dump(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


def _envelope(kind: str, now: int, site: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "occurred_at": iso(now), "site": site}


def _site_part(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "slug": row["slug"], "name": row["name"]}


def _kinds(event: events.Staged) -> list[tuple[str, dict[str, Any] | None]]:
    """The webhook events a bus event stands for, each with its moderation details."""
    if isinstance(event, events.CommentPosted):
        created: list[tuple[str, dict[str, Any] | None]] = [("comment.created", None)]
        if event.status in ("pending", "rejected"):
            action = "held" if event.status == "pending" else "rejected"
            created.append(("comment.moderated", {"action": action, "actor": "pipeline"}))
        return created
    if isinstance(event, events.CommentEdited):
        return [("comment.edited", None)]
    if isinstance(event, events.CommentModerated):
        action = ACTIONS.get(event.action, event.action)
        return [("comment.moderated", {"action": action, "actor": event.actor})]
    if isinstance(event, events.CommentDeleted) and event.actor == "staff":
        return [("comment.moderated", {"action": "deleted", "actor": "staff"})]
    if isinstance(event, events.UserBanned):
        return [("user.banned" if event.banned else "user.unbanned", None)]
    return []


def _subject(conn: Connection, event: events.Staged) -> dict[str, Any] | None:
    """The thread and comment (or the user) a payload describes; no email, no IP."""
    if isinstance(event, events.UserBanned):
        user = user_store.by_id(conn, event.user_id)
        return {
            "user": {"id": event.user_id, "name": user["name"] if user else None},
            "until": iso(event.until) if event.until else None,
            "reason": event.reason,
        }
    row = comment_store.by_id(conn, event.comment_id)  # type: ignore[union-attr]
    thread = thread_store.by_id(conn, event.thread_id)
    if row is None or thread is None:
        return None
    return {
        "thread": {"id": thread["id"], "uri": thread["key"], "title": thread["title"]}
        | {"url": thread["url"]},
        "comment": {
            "id": row["id"],
            "parent_id": row["parent_id"],
            "author": {"id": row["author_id"], "name": row["author_name"]},
            "status": row["status"],
            "body": row["body"],
            "html": row["html"],
            "created_at": iso(row["created_at"]),
            "edited_at": iso(row["edited_at"]) if row["edited_at"] else None,
        },
    }


def stage(services: Services, conn: Connection, event: events.Staged) -> None:
    kinds = _kinds(event)
    if not kinds:
        return
    site_id = None if isinstance(event, events.UserBanned) else event.site_id
    wanted = [
        (hook, kind, extra)
        for hook in store.subscribers(conn, site_id)
        for kind, extra in kinds
        if kind in str(hook["events"]).split(",")
    ]
    if not wanted:
        return  # the usual case: one indexed query, nothing written
    subject = _subject(conn, event)
    if subject is None:
        return
    now = services.clock.now_ms()
    ids: dict[str, str] = {}  # one event id per kind, shared by every webhook it goes to
    for hook, kind, extra in wanted:
        site = {"id": hook["site_id"], "slug": hook["site_slug"], "name": hook["site_name"]}
        payload = _envelope(kind, now, site) | subject
        payload["id"] = ids.setdefault(kind, payload["id"])
        if extra:
            payload["moderation"] = extra
        store.enqueue(conn, webhook_id=hook["id"], event=kind, payload=_dump(payload), now=now)
    services.webhook_events.add(event)


def install(services: Services) -> None:
    services.events.subscribe_staged(lambda conn, event: stage(services, conn, event))
