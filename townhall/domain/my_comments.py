"""A reader's own comments across articles, newest first, each with the replies it got
(#5): readers miss replies that only show inside an article."""

from __future__ import annotations

from typing import Any

from townhall.domain.access import access_signed_in
from townhall.domain.clock import iso
from townhall.domain.notifications import comment_link
from townhall.domain.services import Services
from townhall.errors import InvalidInput
from townhall.store import notifications as store

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
REPLIES_SHOWN = 10


def page(
    services: Services, *, user: dict[str, Any] | None, before: int | None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    reader = access_signed_in(user, "see your comments")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be 1 to {MAX_PAGE_SIZE}; got {limit}.",
            errors=[{"field": "limit", "message": f"Use 1 to {MAX_PAGE_SIZE}."}],
        )
    with services.db.read(primary=True) as conn:
        rows = store.my_comments(conn, user_id=reader["id"], before=before, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        replies = store.replies_to(conn, [r["id"] for r in rows], REPLIES_SHOWN)
    by_parent: dict[int, list[dict[str, Any]]] = {}
    for reply in replies:
        by_parent.setdefault(reply["parent_id"], []).append(reply)
    comments = []
    for row in rows:
        shown = by_parent.get(row["id"], [])
        comments.append(
            {
                "id": row["id"],
                "html": row["html"],
                "status": row["status"],
                "held_reason": row["held_reason"] if row["status"] == "pending" else None,
                "created_at": iso(row["created_at"]),
                "thread": {
                    "key": row["thread_key"],
                    "title": row["thread_title"],
                    "url": row["thread_url"],
                },
                "link": comment_link(row["thread_url"], row["id"]),
                "reply_count": row["reply_count"],
                "replies": [
                    {
                        "id": r["id"],
                        "author": {"name": r["author_name"]},
                        "html": r["html"],
                        "created_at": iso(r["created_at"]),
                        "link": comment_link(row["thread_url"], r["id"]),
                    }
                    for r in shown
                ],
                "more_replies": max(0, row["reply_count"] - len(shown)),
            }
        )
    return {"comments": comments, "next": rows[-1]["id"] if more else None}
