"""Read models: how a comment looks to a given reader."""

from __future__ import annotations

from typing import Any

from townhall.domain.clock import iso


def comment_view(
    row: dict[str, Any],
    *,
    thread_key: str,
    viewer: dict[str, Any] | None,
    reacted: set[int],
    edit_window_ms: int,
    max_depth: int,
    now: int,
) -> dict[str, Any]:
    deleted = row["status"] == "deleted"
    mine = viewer is not None and not deleted and row["author_id"] == viewer["id"]
    editable_until = row["created_at"] + edit_window_ms
    reply_to = None
    if row["parent_id"] is not None:
        hidden = row.get("reply_to_status") == "deleted"
        reply_to = {"id": row["parent_id"], "name": None if hidden else row.get("reply_to_name")}
    return {
        "id": row["id"],
        "thread": thread_key,
        "parent_id": row["parent_id"],
        "display_parent_id": row["display_parent_id"],
        "depth": min(row["depth"], max_depth),
        "reply_to": reply_to,
        "author": None if deleted else _author(row),
        "html": "" if deleted else row["html"],
        "status": row["status"],
        "created_at": iso(row["created_at"]),
        "edited_at": iso(row["edited_at"]),
        "reaction_count": row["reaction_count"],
        "reply_count": row["reply_count"],
        "reacted": row["id"] in reacted,
        "mine": mine,
        "body": row["body"] if mine else None,
        # moderation (#3): why the author's own comment waits; nobody else sees it.
        "held_reason": row.get("held_reason") if mine and row["status"] == "pending" else None,
        "editable_until": iso(editable_until) if mine and now < editable_until else None,
        # moderation (#3): pinned by a moderator; a moderator's edit and why, for everyone.
        "featured": row.get("featured_at") is not None and not deleted,
        "moderator_note": None if deleted else row.get("moderator_note"),
        "replies": [],
        "replies_cursor": None,
    }


def _author(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("author_deleted"):  # privacy (#5): the account was deleted, its comment stayed
        return {"id": None, "name": row["author_name"], "deleted": True}
    return {"id": row["author_id"], "name": row["author_name"]}


def thread_view(thread: dict[str, Any] | None, key: str) -> dict[str, Any]:
    if thread is None:
        return {"key": key, "title": None, "url": None, "open": True, "comment_count": 0}
    return {
        "key": thread["key"],
        "title": thread["title"],
        "url": thread["url"],
        "open": bool(thread["is_open"]),
        "comment_count": thread["comment_count"],
    }
