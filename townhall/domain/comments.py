"""Posting, editing, deleting and reacting to comments, and reading a thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from townhall import events
from townhall.domain import cursor
from townhall.domain import moderation as moderation_hook
from townhall.domain.access import (
    access_delete,
    access_edit,
    access_see,
    access_signed_in,
    access_verified,
)
from townhall.domain.markdown import render
from townhall.domain.services import Services
from townhall.domain.views import comment_view, thread_view
from townhall.errors import CommentNudge, InvalidInput, NotFound, ThreadClosed, TooDeep, TooLong
from townhall.store import comments as comment_store
from townhall.store import curation as curation_store
from townhall.store import reactions as reaction_store
from townhall.store import threads as thread_store
from townhall.store.privacy import DELETED_DOMAIN

MAX_KEY = 500
MAX_TITLE = 500
MAX_URL = 2000
# Past this a chain is a conversation between two people, better continued elsewhere.
MAX_TRUE_DEPTH = 100
# Featured comments shown first on a thread's first page (moderation, #3).
MAX_FEATURED = 20


def check_body(services: Services, body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(
            "The comment is empty; write something first.",
            errors=[{"field": "body", "message": "Write something first."}],
        )
    limit = int(services.settings.max_comment_length)
    if len(body) > limit:
        raise TooLong(
            f"The comment is {len(body):,} characters; the limit is {limit:,}.",
            errors=[{"field": "body", "message": f"Shorten it to {limit:,} characters."}],
        )
    return body


def check_thread_fields(key: str, title: str | None, url: str | None) -> None:
    if not key.strip() or len(key) > MAX_KEY:
        raise InvalidInput(
            f"The thread key must be 1 to {MAX_KEY} characters.",
            errors=[{"field": "thread", "message": f"Use 1 to {MAX_KEY} characters."}],
        )
    if title is not None and len(title) > MAX_TITLE:
        raise TooLong(f"The thread title is {len(title):,} characters; the limit is {MAX_TITLE}.")
    if url is not None:
        parts = urlsplit(url)
        if len(url) > MAX_URL or parts.scheme not in {"http", "https"} or not parts.netloc:
            raise InvalidInput(
                "The thread url must be an http(s) address of at most 2,000 characters.",
                errors=[{"field": "url", "message": "Use the article's http(s) address."}],
            )


def _view_maker(
    services: Services,
    conn: Connection | None,
    viewer: dict[str, Any] | None,
    rows: list[dict[str, Any]],
) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """``conn`` None: the viewer has reacted to none of the rows (a comment just posted)."""
    reacted = (
        reaction_store.reacted_by(conn, viewer["id"], [r["id"] for r in rows])
        if viewer and conn is not None and rows
        else set()
    )
    window = int(services.settings.edit_window_seconds) * 1000
    max_depth = int(services.settings.max_depth)
    now = services.clock.now_ms()

    def make(row: dict[str, Any], key: str) -> dict[str, Any]:
        return comment_view(
            row,
            thread_key=key,
            viewer=viewer,
            reacted=reacted,
            edit_window_ms=window,
            max_depth=max_depth,
            now=now,
        )

    return make


def _one_view(
    services: Services, conn: Connection, viewer: dict[str, Any] | None, comment_id: int
) -> dict[str, Any]:
    row = comment_store.by_id(conn, comment_id)
    assert row is not None  # noqa: S101
    thread = thread_store.by_id(conn, row["thread_id"])
    assert thread is not None  # noqa: S101
    return _view_maker(services, conn, viewer, [row])(row, thread["key"])


def post_comment(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: dict[str, Any],
    thread_key: str,
    body: str,
    parent_id: int | None = None,
    title: str | None = None,
    url: str | None = None,
    may_create_thread: bool,
    remote_addr: str | None = None,
    network: str | None = None,
    allow_nudge: bool = False,
) -> dict[str, Any]:
    """``remote_addr`` and ``network`` are keyed hashes (api.deps.client_ip), never the
    address itself. ``allow_nudge``: the caller can show the author why the rules or the classifier
    object and let them revise once (a CommentNudge, nothing stored); otherwise such a
    comment is held at once, as when the author sends it again regardless (#3)."""
    author = access_signed_in(user, "post comments")
    access_verified(author, str(services.settings.email_verification))
    check_thread_fields(thread_key, title, url)
    body = check_body(services, body)
    settings = services.settings
    services.limiter.hit(settings.rate_limit_post, "post-user", str(author["id"]), "comments")
    if remote_addr:
        services.limiter.hit(settings.rate_limit_post_ip, "post-ip", remote_addr, "comments")
    html = render(body)
    # The text's own scores (language, toxicity, near-duplicate signature) need no data:
    # computed here, SQLite's single write lock is not held while they run (#7).
    analysis = moderation_hook.analyse(services, body)
    now = services.clock.now_ms()

    def transaction(
        conn: Connection,
    ) -> tuple[dict[str, Any], events.CommentPosted, list[events.Event]]:
        thread = thread_store.by_key(conn, site["id"], thread_key)
        if thread is None:
            if not may_create_thread:
                raise NotFound(
                    f"There is no thread {thread_key!r} on this site. Threads are created by"
                    " the first comment from one of the site's own pages."
                )
            thread = thread_store.create(
                conn, site_id=site["id"], key=thread_key, title=title, url=url, now=now
            )
        if not thread["is_open"]:
            raise ThreadClosed("Comments on this article are closed.")
        depth, root_id, display_parent_id, parent = 0, None, None, None
        if parent_id is not None:
            parent = comment_store.by_id(conn, parent_id)
            if parent is None or parent["status"] not in ("visible",):
                raise NotFound(f"The comment you are replying to ({parent_id}) does not exist.")
            if parent["thread_id"] != thread["id"]:
                raise InvalidInput(
                    "The comment you are replying to belongs to another thread.",
                    errors=[{"field": "parent_id", "message": "Reply within the same thread."}],
                )
            depth = parent["depth"] + 1
            if depth > MAX_TRUE_DEPTH:
                raise TooDeep(
                    f"This reply chain is {MAX_TRUE_DEPTH} levels deep already;"
                    " reply to an earlier comment instead."
                )
            root_id = parent["root_id"]
            display_parent_id = (
                parent["id"] if depth <= int(settings.max_depth) else parent["display_parent_id"]
            )
        verdict = moderation_hook.screen(
            services,
            conn,
            author=author,
            site_id=site["id"],
            thread=thread,
            body=body,
            now=now,
            remote_addr=remote_addr,
            network=network,
            analysis=analysis,
        )
        if allow_nudge and verdict.nudges:
            raise CommentNudge(verdict.nudges)  # rolls back: nothing of it is stored
        moderation_hook.lock_counted_threads(conn, thread_id=thread["id"], verdict=verdict)
        row = comment_store.insert_comment(
            conn,
            thread_id=thread["id"],
            parent_id=parent_id,
            root_id=root_id,
            display_parent_id=display_parent_id,
            depth=depth,
            author_id=author["id"],
            body=body,
            html=html,
            status=verdict.status,
            held_reason=verdict.held_reason,
            created_at=now,
            remote_addr=remote_addr,
        )
        comment_id = row["id"]
        if root_id is None:
            comment_store.set_root(conn, comment_id, comment_id)
            row["root_id"] = comment_id
        # Counts follow what readers see: held and rejected comments are not counted.
        if verdict.status == "visible":
            thread_store.add_to_count(conn, thread["id"], 1)
            if parent_id is not None:
                comment_store.add_to_reply_count(conn, parent_id, 1)
        pulled_back = moderation_hook.record(
            services,
            conn,
            comment_id=comment_id,
            verdict=verdict,
            site_id=site["id"],
            thread_id=thread["id"],
            author_id=author["id"],
            now=now,
            new=True,
        )
        # The answer from what this transaction knows: the row as inserted, its author and
        # its parent; nobody has reacted to it yet. Three reads fewer under the lock (#7).
        row.update(
            author_name=author["name"],
            author_deleted=author["email"].endswith("@" + DELETED_DOMAIN),
            reply_to_name=parent["author_name"] if parent else None,
            reply_to_status=parent["status"] if parent else None,
        )
        view = _view_maker(services, None, author, [])(row, thread["key"])
        posted = events.CommentPosted(
            site["id"], thread["id"], comment_id, view["status"], parent_id
        )
        services.events.stage(conn, posted, *pulled_back)
        return view, posted, pulled_back

    # Run again if PostgreSQL aborts it as a deadlock: posts pulling back each other's
    # near-duplicates lock the same rows in different orders (#7, #8).
    view, posted, pulled_back = services.db.write_retrying(transaction)
    services.events.publish(posted)
    for event in pulled_back:
        services.events.publish(event)
    return view


def _load(conn: Connection, comment_id: int) -> dict[str, Any]:
    row = comment_store.by_id(conn, comment_id)
    if row is None:
        raise NotFound(f"There is no comment {comment_id}.")
    return row


def edit_comment(
    services: Services,
    *,
    user: dict[str, Any] | None,
    comment_id: int,
    body: str,
    allow_nudge: bool = False,
) -> dict[str, Any]:
    editor = access_signed_in(user, "edit comments")
    body = check_body(services, body)
    html = render(body)
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row = _load(conn, comment_id)
        access_see(editor, row)
        access_edit(editor, row, now, int(services.settings.edit_window_seconds) * 1000)
        comment_store.update_body(conn, comment_id, body, html, now)
        thread = thread_store.by_id(conn, row["thread_id"])
        assert thread is not None  # noqa: S101
        pulled_back = moderation_hook.rescreen_edit(
            services, conn, row=row, thread=thread, now=now, allow_nudge=allow_nudge
        )
        view = _one_view(services, conn, editor, comment_id)
        edited = events.CommentEdited(thread["site_id"], thread["id"], comment_id)
        services.events.stage(conn, edited, *pulled_back)
    services.events.publish(edited)
    for event in pulled_back:
        services.events.publish(event)
    return view


def delete_comment(services: Services, *, user: dict[str, Any] | None, comment_id: int) -> None:
    actor = access_signed_in(user, "delete comments")
    with services.db.write() as conn:
        row = _load(conn, comment_id)
        access_see(actor, row)
        access_delete(actor, row)
        # The text stays stored for moderators and audit; readers see a placeholder.
        comment_store.set_status(conn, comment_id, "deleted")
        if row["status"] == "visible":
            thread_store.add_to_count(conn, row["thread_id"], -1)
        if row["parent_id"] is not None and row["reply_count"] == 0 and row["status"] == "visible":
            comment_store.add_to_reply_count(conn, row["parent_id"], -1)
        thread = thread_store.by_id(conn, row["thread_id"])
        assert thread is not None  # noqa: S101
        by = "author" if row["author_id"] == actor["id"] else "staff"
        deleted = events.CommentDeleted(thread["site_id"], thread["id"], comment_id, by)
        services.events.stage(conn, deleted)
    services.events.publish(deleted)


def set_reaction(
    services: Services, *, user: dict[str, Any] | None, comment_id: int, on: bool
) -> dict[str, Any]:
    reader = access_signed_in(user, "react to comments")
    with services.db.write() as conn:
        row = _load(conn, comment_id)
        access_see(reader, row)
        if row["status"] != "visible":
            raise InvalidInput("Only published comments take reactions.")
        if on:
            changed = reaction_store.add(conn, comment_id, reader["id"], services.clock.now_ms())
        else:
            changed = reaction_store.remove(conn, comment_id, reader["id"])
        delta = (1 if on else -1) if changed else 0
        count = comment_store.add_to_reaction_count(conn, comment_id, delta)
        thread = thread_store.by_id(conn, row["thread_id"])
    assert thread is not None  # noqa: S101
    if changed:
        services.events.publish(
            events.ReactionChanged(thread["site_id"], thread["id"], comment_id, count)
        )
    return {"reaction_count": count, "reacted": on}


def _nest(views: list[dict[str, Any]], roots: dict[int, dict[str, Any]]) -> None:
    """Hang replies (in time order) under the comment they are shown beneath."""
    by_id = dict(roots)
    for view in views:
        by_id[view["id"]] = view
        holder = by_id.get(view["display_parent_id"] or -1)
        if holder is not None:
            holder["replies"].append(view)


def read_thread(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: dict[str, Any],
    thread_key: str,
    sort: str,
    after: str | None,
) -> dict[str, Any]:
    position = cursor.decode(after)
    viewer_id = user["id"] if user else None
    page_size = int(services.settings.page_size)
    per_root = int(services.settings.replies_page_size)
    with services.db.read() as conn:
        thread = thread_store.by_key(conn, site["id"], thread_key)
        if thread is None:
            return {"thread": thread_view(None, thread_key), "comments": [], "next_cursor": None}
        # moderation (#3): featured comments lead the first page and are left out of the
        # pages after it, whatever the sort.
        featured = curation_store.featured_top_level(conn, thread["id"], MAX_FEATURED)
        rows = comment_store.top_level_page(
            conn,
            thread_id=thread["id"],
            viewer_id=viewer_id,
            sort=sort,
            after=position,
            limit=page_size + 1,
            exclude=featured,
        )
        more = len(rows) > page_size
        rows = rows[:page_size]
        if position is None and featured:
            rows = [comment_store.by_id(conn, i) for i in featured] + rows  # type: ignore[misc]
        replies = comment_store.first_replies(
            conn, root_ids=[r["id"] for r in rows], viewer_id=viewer_id, per_root=per_root + 1
        )
        make = _view_maker(services, conn, user, rows + replies)
    roots = {row["id"]: make(row, thread_key) for row in rows}
    shown: dict[int, list[dict[str, Any]]] = {}
    for reply in replies:
        shown.setdefault(reply["root_id"], []).append(reply)
    for root_id, group in shown.items():
        if len(group) > per_root:
            last = group[per_root - 1]
            roots[root_id]["replies_cursor"] = cursor.encode(last["created_at"], last["id"])
            group = group[:per_root]
        _nest([make(r, thread_key) for r in group], {root_id: roots[root_id]})
    next_cursor = None
    if more:
        last = rows[-1]
        value = last["reaction_count"] if sort == "top" else last["created_at"]
        next_cursor = cursor.encode(value, last["id"])
    return {
        "thread": thread_view(thread, thread_key),
        "comments": list(roots.values()),
        "next_cursor": next_cursor,
    }


def read_replies(
    services: Services, *, user: dict[str, Any] | None, comment_id: int, after: str | None
) -> dict[str, Any]:
    position = cursor.decode(after)
    limit = int(services.settings.replies_page_size)
    with services.db.read() as conn:
        root = _load(conn, comment_id)
        access_see(user, root)
        if root["parent_id"] is not None:
            raise InvalidInput(
                "More replies are loaded from the top-level comment; use its id.",
                errors=[{"field": "id", "message": f"Use comment {root['root_id']}."}],
            )
        rows = comment_store.replies_page(
            conn,
            root_id=comment_id,
            viewer_id=user["id"] if user else None,
            after=position,
            limit=limit + 1,
        )
        thread = thread_store.by_id(conn, root["thread_id"])
        assert thread is not None  # noqa: S101
        make = _view_maker(services, conn, user, rows)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursor.encode(rows[-1]["created_at"], rows[-1]["id"]) if more else None
    return {"replies": [make(r, thread["key"]) for r in rows], "next_cursor": next_cursor}


def read_comment(
    services: Services, *, user: dict[str, Any] | None, comment_id: int
) -> dict[str, Any]:
    """One comment without its replies, for a live update of a box that has the rest."""
    with services.db.read() as conn:
        row = _load(conn, comment_id)
        access_see(user, row)
        return _one_view(services, conn, user, comment_id)


def counts(services: Services, *, site: dict[str, Any], keys: list[str]) -> dict[str, int]:
    with services.db.read() as conn:
        found = thread_store.counts(conn, site["id"], keys)
    return {key: found.get(key, 0) for key in keys}
