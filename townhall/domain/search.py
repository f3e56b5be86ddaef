"""Moderators' search over every comment (moderated ones included), and the context a
queued comment is judged in: its story, the comment it answers, its author's history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from townhall.domain.access import access_site, moderated_site_ids
from townhall.domain.services import Services
from townhall.domain.staff import moderator
from townhall.errors import InvalidInput
from townhall.i18n import N_, problem
from townhall.store import moderation as moderation_store
from townhall.store import search as store
from townhall.store import threads as thread_store

PAGE = 50
HISTORY = 5
MAX_QUERY = 200


def parse_day(value: str | None, field: str, *, end: bool = False) -> int | None:
    """A day (2026-03-01) or a moment (2026-03-01T14:30, UTC when no zone is given) as
    milliseconds; ``end`` makes a bare day inclusive (up to its midnight)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        wrong = {
            "since": N_("'since' must be a date like 2026-03-01 or a time like 2026-03-01T14:30;"),
            "until": N_("'until' must be a date like 2026-03-01 or a time like 2026-03-01T14:30;"),
        }.get(field, f"{field.capitalize()} must be a date like 2026-03-01;")
        raise problem(
            InvalidInput,
            wrong,
            N_("got '%(value)s'."),
            value=value[:40],
            errors=[{"field": field, "message": "Use the form 2026-03-01."}],
        ) from None
    return int(moment.timestamp() * 1000)


def search(
    services: Services,
    *,
    user: dict[str, Any] | None,
    text: str | None = None,
    author: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before: int | None = None,
    limit: int = PAGE,
) -> dict[str, Any]:
    """A page of matching comments, newest first, on the sites the moderator covers;
    ``next`` continues it (pass it back as ``before``), None on the last page."""
    text, author = (text or "").strip(), (author or "").strip()
    for value in (text, author):
        if len(value) > MAX_QUERY:
            raise problem(
                InvalidInput,
                N_("The search is %(length)s characters; search with at most %(high)s."),
                length=len(value),
                high=MAX_QUERY,
            )
    start = parse_day(since, "since")
    end = parse_day(until, "until", end=True)
    if start is not None and end is not None and end <= start:
        raise problem(
            InvalidInput,
            N_("The window ends before it starts: put the earlier date in 'since'."),
        )
    limit = max(1, min(int(limit), store.MAX_PAGE))
    with services.db.read() as conn:
        actor = moderator(conn, user, "search comments")
        rows = store.search_comments(
            conn,
            text=text or None,
            author=author or None,
            since=start,
            until=end,
            site_ids=moderated_site_ids(actor),
            before=before,
            limit=limit + 1,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return {"comments": rows, "next": rows[-1]["id"] if more else None}


def with_context(
    services: Services, *, user: dict[str, Any] | None, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Adds to each queue row its ``thread`` (title, url), ``parent`` (the comment it
    answers), the author's ``standing`` and ``history`` (their latest comments, any status)."""
    with services.db.read() as conn:
        actor = moderator(conn, user)
        parents = {
            p["id"]: p
            for p in moderation_store.comments_by_ids(
                conn, sorted({r["parent_id"] for r in rows if r.get("parent_id")})
            )
        }
        histories: dict[int, list[dict[str, Any]]] = {}
        standings: dict[int, dict[str, Any] | None] = {}
        threads: dict[int, dict[str, Any] | None] = {}
        for row in rows:
            thread = threads.setdefault(
                row["thread_id"], thread_store.by_id(conn, row["thread_id"])
            )
            if thread is not None:
                access_site(actor, thread["site_id"], f"comment {row['id']}")
            row["thread"] = thread
            parent = parents.get(row.get("parent_id") or 0)
            row["parent"] = parent if parent and parent["status"] != "deleted" else None
            author = row.get("author_id")
            if author:
                if author not in histories:
                    histories[author] = store.author_history(
                        conn, author, moderated_site_ids(actor), limit=HISTORY + 1
                    )
                    standings[author] = moderation_store.standing(conn, author)
                row["history"] = [h for h in histories[author] if h["id"] != row["id"]][:HISTORY]
                row["standing"] = standings[author]
            else:
                row["history"], row["standing"] = [], None
    return rows
