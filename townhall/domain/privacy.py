"""A reader's own data (issue #5): download all of it, or delete the account.

The export holds what the reader gave or did (profile, comments, reactions, reports,
notification choices, sessions), never a secret (password hash, TOTP secret, session or
link tokens) and nothing private of anyone else. Deleting an account erases what says who
the person was; each site's ``deleted_account_comments`` decides whether their comments
stay under "deleted user" (anonymise) or are blanked to a "deleted" placeholder (remove),
which keeps the replies under them in place.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from townhall import events
from townhall.domain import site_settings
from townhall.domain.access import access_signed_in
from townhall.domain.clock import iso
from townhall.domain.passwords import verify_password
from townhall.domain.services import Services
from townhall.errors import ConfirmDeletion
from townhall.store import comments as comment_store
from townhall.store import identity as identity_store
from townhall.store import moderation as moderation_store
from townhall.store import privacy as store
from townhall.store import threads as thread_store

# A sign-in this recent stands in for the password (SSO and mailed-link accounts have none).
RECENT_SIGN_IN_MS = 10 * 60_000
FORMAT = "townhall-personal-data/1"


def _token_hash(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest() if token else None


def _times(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """Plain-str keys (SQLAlchemy's are a str subclass JSON encoders refuse), ISO times."""
    plain = {str(k): v for k, v in row.items()}
    return {**plain, **{n: iso(plain[n]) for n in names if n in plain}}


def export_data(
    services: Services, user: dict[str, Any] | None, token: str | None
) -> dict[str, Any]:
    reader = access_signed_in(user, "download your data")
    uid = int(reader["id"])
    now = services.clock.now_ms()
    current = _token_hash(token)
    with services.db.read() as conn:
        comments = store.comments_of(conn, uid)
        reacted = store.reactions_of(conn, uid)
        filed = store.reports_of(conn, uid)
        notices = store.notices_of(conn, uid)
        prefs = store.notification_prefs(conn, uid)
        notes = store.notifications_of(conn, uid)
        linked = store.identities_of(conn, uid)
        two_factor = store.has_second_factor(conn, uid)
        sessions = identity_store.sessions_of(conn, uid, now)
    return {
        "format": FORMAT,
        "exported_at": iso(now),
        "profile": {
            "id": uid,
            "name": reader["name"],
            "email": reader["email"],
            "role": reader["role"],
            "created_at": iso(reader["created_at"]),
            "email_verified_at": iso(reader.get("email_verified_at")),
            "has_password": reader.get("password_hash") is not None,
            "two_factor": two_factor,
            "linked_accounts": [
                {**_times(i, "created_at"), "profile": json.loads(i["profile"] or "{}")}
                for i in linked
            ],
        },
        "comments": [_times(c, "created_at", "edited_at") for c in comments],
        "reactions": [_times(r, "created_at") for r in reacted],
        "reports": [_times(r, "created_at", "resolved_at") for r in filed],
        "illegal_content_notices": [_times(n, "created_at", "decided_at") for n in notices],
        "notifications": {
            "reply_email": bool(prefs["reply_email"]) if prefs else False,
            "items": [_times(n, "created_at", "read_at", "mailed_at") for n in notes],
        },
        "sessions": [
            {
                "id": s["id"],
                "created_at": iso(s["created_at"]),
                "expires_at": iso(s["expires_at"]),
                "user_agent": s["user_agent"],
                "current": s["token_hash"] == current,
            }
            for s in sessions
        ],
    }


def _confirm(
    services: Services, conn: Any, reader: dict[str, Any], password: str | None, token: str | None
) -> None:
    if password:
        if reader.get("password_hash") is None or not verify_password(
            reader["password_hash"], password
        ):
            raise ConfirmDeletion(
                "The password is wrong; the account was not deleted.",
                errors=[{"field": "password", "message": "Enter your current password."}],
            )
        return
    hashed = _token_hash(token)
    started = store.session_started(conn, hashed) if hashed else None
    if started is None or services.clock.now_ms() - started > RECENT_SIGN_IN_MS:
        minutes = RECENT_SIGN_IN_MS // 60_000
        raise ConfirmDeletion(
            "Enter your password to delete your account. An account without one (signed in"
            f" through the site's own login or a mailed link) signs in again and deletes"
            f" within {minutes} minutes.",
            errors=[{"field": "password", "message": "Enter your current password."}],
        )


def delete_account(
    services: Services, user: dict[str, Any] | None, *, password: str | None, token: str | None
) -> dict[str, int]:
    """Signs out everywhere and erases the account; answers how many comments stayed
    (anonymised) and how many were removed."""
    reader = access_signed_in(user, "delete your account")
    uid = int(reader["id"])
    now = services.clock.now_ms()
    kept = removed = 0
    published: list[events.Event] = []
    with services.db.write() as conn:
        _confirm(services, conn, reader, password, token)
        thread_sites: dict[int, int] = {}
        choice: dict[int, str] = {}
        to_remove: list[dict[str, Any]] = []
        renamed: dict[int, events.Event] = {}
        for row in store.live_comments_of(conn, uid):
            thread_id = int(row["thread_id"])
            if thread_id not in thread_sites:
                thread = thread_store.by_id(conn, thread_id)
                assert thread is not None  # noqa: S101
                thread_sites[thread_id] = int(thread["site_id"])
            site_id = thread_sites[thread_id]
            if site_id not in choice:
                effective = site_settings.for_site(services, conn, site_id)
                choice[site_id] = str(effective.deleted_account_comments)
            if choice[site_id] == "remove":
                to_remove.append(row)
            else:
                kept += 1
                # One per thread drops its cached pages, now showing a name that is gone.
                renamed.setdefault(thread_id, events.CommentEdited(site_id, thread_id, row["id"]))
        for row in to_remove:
            # Counts follow what readers see, as when a reader deletes one comment.
            if row["status"] == "visible":
                thread_store.add_to_count(conn, row["thread_id"], -1)
                if row["parent_id"] is not None:
                    comment_store.add_to_reply_count(conn, row["parent_id"], -1)
            thread_id = int(row["thread_id"])
            published.append(events.CommentDeleted(thread_sites[thread_id], thread_id, row["id"]))
        store.blank_comments(conn, [int(r["id"]) for r in to_remove])
        removed = len(to_remove)
        store.undo_reactions(conn, uid)
        store.erase_user(conn, uid)
        # Who and when only: the account's id, never its name or address.
        moderation_store.audit(
            conn,
            site_id=None,
            actor_id=uid,
            action="account-deleted",
            target_type="user",
            target_id=uid,
            reason=f"{kept} comments anonymised, {removed} removed",
            now=now,
        )
    # Published, not staged: readers and caches learn of it; webhooks are not told that
    # comments were edited or deleted by their author.
    for event in [*published, *renamed.values()]:
        services.events.publish(event)
    return {"comments_anonymised": kept, "comments_removed": removed}
