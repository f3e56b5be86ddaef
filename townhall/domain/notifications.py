"""Reply notifications (#5): "someone answered you", in the comment box and by mail.

A notification is added after the reply's own transaction commits (an event subscriber),
so posting never waits on it and never fails because of it. It is added when a reply
becomes visible: posted and published at once, or approved later by a moderator. A held
or rejected reply tells nobody; a reply to oneself neither.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from townhall import events
from townhall.domain.access import access_signed_in
from townhall.domain.clock import iso
from townhall.domain.services import Services
from townhall.errors import EmailNotVerified, InvalidInput, LinkNotValid
from townhall.store import notifications as store

log = logging.getLogger("townhall.notifications")

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
MAX_IDS = 200
EXCERPT = 140
ANCHOR = "townhall-comment-"  # the comment box's element id for a comment


# --- adding them ------------------------------------------------------------------------------


def _became_visible(event: events.Event) -> int | None:
    if isinstance(event, events.CommentPosted) and event.status == "visible":
        return event.comment_id
    if isinstance(event, events.CommentModerated) and event.status == "visible":
        return event.comment_id  # approved (a held reply, a cluster member) or restored
    return None


def on_event(services: Services, event: events.Event) -> None:
    comment_id = _became_visible(event)
    if comment_id is None:
        return
    if isinstance(event, events.CommentPosted) and event.parent_id is None:
        return  # a top-level comment answers nobody
    # A read first: most comments are not replies to someone else, and a read takes no
    # write lock (SQLite has one writer).
    with services.db.read(primary=True) as conn:
        target = store.reply_target(conn, comment_id)
    if target is None:
        return
    with services.db.write() as conn:
        store.add(conn, target, store.REPLY, services.clock.now_ms())


def install(services: Services) -> None:
    """The EventBus logs a failing subscriber and carries on: a notification that cannot
    be written never undoes or fails the reply."""
    services.events.subscribe(lambda event: on_event(services, event))


# --- the in-box list --------------------------------------------------------------------------


def excerpt(html: str, limit: int = EXCERPT) -> str:
    """The reply's text without markup, cut at a word near ``limit`` characters."""
    if not html.strip():
        return ""
    from lxml import html as lxml_html  # loaded with the first reply, not at start (#7)

    text = " ".join(lxml_html.fragment_fromstring(html, create_parent="div").text_content().split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + "…"


def comment_link(thread_url: str | None, comment_id: int) -> str | None:
    return f"{thread_url}#{ANCHOR}{comment_id}" if thread_url else None


def item_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "comment_id": row["comment_id"],
        "parent_id": row["parent_id"],
        "author": {"id": row["author_id"], "name": row["author_name"]},
        "excerpt": excerpt(row["html"]),
        "thread": {
            "key": row["thread_key"],
            "title": row["thread_title"],
            "url": row["thread_url"],
        },
        "link": comment_link(row["thread_url"], row["comment_id"]),
        "created_at": iso(row["created_at"]),
        "read": row["read_at"] is not None,
    }


def _site_id(site: dict[str, Any] | None) -> int | None:
    return None if site is None else int(site["id"])


def list_page(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: dict[str, Any] | None,
    before: int | None,
    limit: int,
) -> dict[str, Any]:
    reader = access_signed_in(user, "see your notifications")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be 1 to {MAX_PAGE_SIZE}; got {limit}.",
            errors=[{"field": "limit", "message": f"Use 1 to {MAX_PAGE_SIZE}."}],
        )
    with services.db.read(primary=True) as conn:
        rows = store.page(
            conn, user_id=reader["id"], site_id=_site_id(site), before=before, limit=limit + 1
        )
        unread = store.unread_count(conn, user_id=reader["id"], site_id=_site_id(site))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "notifications": [item_view(r) for r in rows],
        "unread": unread,
        "next": rows[-1]["id"] if more else None,
    }


def mark_read(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: dict[str, Any] | None,
    ids: list[int] | None,
) -> dict[str, Any]:
    """Marks the given notifications read, or all of them when ``ids`` is None."""
    reader = access_signed_in(user, "mark notifications read")
    if ids is not None and len(ids) > MAX_IDS:
        raise InvalidInput(
            f"Mark at most {MAX_IDS} notifications at once; got {len(ids)}.",
            errors=[{"field": "ids", "message": f"Send at most {MAX_IDS} ids."}],
        )
    with services.db.write() as conn:
        marked = store.mark_read(
            conn,
            user_id=reader["id"],
            ids=ids,
            site_id=_site_id(site),
            now=services.clock.now_ms(),
        )
        unread = store.unread_count(conn, user_id=reader["id"], site_id=_site_id(site))
    return {"marked": marked, "unread": unread}


# --- reply mail choice and the unsubscribe link -----------------------------------------------


def _prefs_view(services: Services, user: dict[str, Any], row: dict[str, Any] | None) -> dict:
    return {
        "reply_email": bool(row and row["reply_email"]),
        "language": mail_language(services, row),
        "email": user["email"],
        "email_verified": user.get("email_verified_at") is not None,
        "reply_mail_minutes": int(services.settings.reply_mail_minutes),
    }


def get_prefs(services: Services, *, user: dict[str, Any] | None) -> dict[str, Any]:
    reader = access_signed_in(user, "see your notification settings")
    with services.db.read(primary=True) as conn:
        row = store.prefs(conn, reader["id"])
    return _prefs_view(services, reader, row)


def mail_language(services: Services, prefs: dict[str, Any] | None) -> str:
    """The reply mail's language: the one stored with the reader's choice, else the server's."""
    return str((prefs and prefs.get("language")) or services.settings.language)


def set_prefs(
    services: Services, *, user: dict[str, Any] | None, reply_email: bool, language: str
) -> dict[str, Any]:
    """``language``: the reply mail's, chosen by the caller among the shipped ones."""
    reader = access_signed_in(user, "change your notification settings")
    if reply_email and reader.get("email_verified_at") is None:
        raise EmailNotVerified(
            f"Confirm {reader['email']} first: reply mail goes only to a confirmed address."
            " Ask for a new confirmation mail from the comment box."
        )
    now = services.clock.now_ms()
    with services.db.write() as conn:
        before = store.prefs(conn, reader["id"])
        store.save_prefs(
            conn,
            user_id=reader["id"],
            reply_email=reply_email,
            key=secrets.token_urlsafe(32),
            now=now,
            language=language,
        )
        if reply_email and not (before and before["reply_email"]):
            store.skip_unmailed(conn, reader["id"], now)
        row = store.prefs(conn, reader["id"])
    return _prefs_view(services, reader, row)


def _mac(key: str, user_id: int) -> str:
    return hmac.new(key.encode(), f"unsubscribe:{user_id}".encode(), hashlib.sha256).hexdigest()


def unsubscribe_token(user_id: int, key: str) -> str:
    """``<user id>.<HMAC-SHA256 of the user's key>``: bound to the user, unguessable, and
    retired with the key (notify_prefs.key)."""
    return f"{user_id}.{_mac(key, user_id)}"


def _token_user(conn: Any, token: str) -> int:
    user_part, _, mac = token.partition(".")
    if not user_part.isdigit() or len(user_part) > 19 or len(mac) != 64:
        raise LinkNotValid(
            "This unsubscribe link is not valid; copy the whole address from the mail."
        )
    user_id = int(user_part)
    row = store.prefs(conn, user_id)
    if row is None or not hmac.compare_digest(_mac(row["key"], user_id), mac):
        raise LinkNotValid(
            "This unsubscribe link is not valid; copy the whole address from the mail."
        )
    return user_id


def check_unsubscribe(services: Services, token: str) -> bool:
    """Whether the link is valid and the reader still takes reply mail (GET: nothing changes)."""
    with services.db.read(primary=True) as conn:
        user_id = _token_user(conn, token)
        row = store.prefs(conn, user_id)
    return bool(row and row["reply_email"])


def unsubscribe(services: Services, token: str) -> bool:
    """Turns reply mail off; True when it was on. Works without signing in (RFC 8058)."""
    with services.db.write() as conn:
        user_id = _token_user(conn, token)
        return store.unsubscribe(conn, user_id, services.clock.now_ms())
