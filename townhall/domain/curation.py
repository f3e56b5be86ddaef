"""Moderators' touches on a comment readers see: feature (pin) it, or edit its text with a
note that readers see under it. Both are audit-logged and drop the thread's cached pages."""

from __future__ import annotations

from typing import Any

from townhall import events
from townhall.domain import staff
from townhall.domain.access import access_site
from townhall.domain.comments import check_body
from townhall.domain.markdown import render
from townhall.domain.services import Services
from townhall.errors import InvalidInput, NotFound
from townhall.store import comments as comment_store
from townhall.store import curation as store
from townhall.store import moderation as moderation_store
from townhall.store import threads as thread_store

MAX_NOTE = 1000
# The audit log's reason column holds 1,000 characters: the old text is cut to fit, and
# kept whole in comment_revisions.
AUDIT_EXCERPT = 600


def _load(
    conn: Any, actor: dict[str, Any], comment_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The comment and its thread; a site moderator gets NotFound for other sites'."""
    row = comment_store.by_id(conn, comment_id)
    if row is None:
        raise NotFound(f"There is no comment {comment_id}.")
    thread = thread_store.by_id(conn, row["thread_id"])
    assert thread is not None  # noqa: S101
    access_site(actor, thread["site_id"], f"comment {comment_id}")
    return row, thread


def feature(
    services: Services, *, user: dict[str, Any] | None, comment_id: int, on: bool
) -> dict[str, Any]:
    """Feature (``on``) or unfeature a published comment. Featuring again is a no-op."""
    actor = staff.actor(services, user)
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row, thread = _load(conn, actor, comment_id)
        if on and row["status"] != "visible":
            raise InvalidInput(
                f"Comment {comment_id} is {row['status']}; only a published comment can be"
                " featured. Approve it first."
            )
        changed = (row["featured_at"] is None) == on
        if changed:
            store.set_featured(conn, comment_id, now if on else None)
            moderation_store.audit(
                conn,
                site_id=thread["site_id"],
                actor_id=actor["id"],
                action="feature" if on else "unfeature",
                target_type="comment",
                target_id=comment_id,
                reason=None,
                now=now,
            )
    if changed:
        services.events.publish(
            events.CommentModerated(
                thread["site_id"],
                thread["id"],
                comment_id,
                row["status"],
                "feature" if on else "unfeature",
            )
        )
    featured_at = now if on and changed else (row["featured_at"] if on else None)
    return {"id": comment_id, "featured": on, "featured_at": featured_at}


def check_note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(
            "Say why you edit the comment; readers see the note under it.",
            errors=[
                {"field": "note", "message": "Write a short note, e.g. 'Removed a phone number'."}
            ],
        )
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            f"The note is {len(note):,} characters; the limit is {MAX_NOTE:,}.",
            errors=[{"field": "note", "message": f"Shorten it to {MAX_NOTE:,} characters."}],
        )
    return note


def moderator_edit(
    services: Services, *, user: dict[str, Any] | None, comment_id: int, body: str, note: str
) -> dict[str, Any]:
    """Replace a comment's text (rendered like an author's edit) and show readers why. The
    old text stays in the comment's revisions and, shortened, in the audit log."""
    actor = staff.actor(services, user)
    body = check_body(services, body)
    note = check_note(note)
    html = render(body)
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row, thread = _load(conn, actor, comment_id)
        if row["status"] == "deleted":
            raise InvalidInput(f"Comment {comment_id} was deleted by its author; nothing to edit.")
        store.moderator_edit(
            conn,
            comment_id=comment_id,
            old_body=row["body"],
            body=body,
            html=html,
            note=note,
            editor_id=actor["id"],
            now=now,
        )
        old = row["body"]
        if len(old) > AUDIT_EXCERPT:
            old = old[:AUDIT_EXCERPT] + "…"
        moderation_store.audit(
            conn,
            site_id=thread["site_id"],
            actor_id=actor["id"],
            action="edit",
            target_type="comment",
            target_id=comment_id,
            reason=f"{note}\nWas: {old}"[:1000],
            now=now,
        )
        history = store.revisions(conn, comment_id)
        edited = events.CommentEdited(thread["site_id"], thread["id"], comment_id)
        services.events.stage(conn, edited)
    services.events.publish(edited)
    return {
        "id": comment_id,
        "body": body,
        "html": html,
        "moderator_note": note,
        "revisions": history,
    }


def revisions(
    services: Services, *, user: dict[str, Any] | None, comment_id: int
) -> list[dict[str, Any]]:
    actor = staff.actor(services, user)
    with services.db.read() as conn:
        _load(conn, actor, comment_id)
        return store.revisions(conn, comment_id)
