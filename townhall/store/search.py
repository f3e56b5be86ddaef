"""Moderators' full-text search over every comment, moderated ones included.

A case-insensitive LIKE with the wildcards escaped: the same SQL on SQLite and PostgreSQL,
no extension to install. It scans, so every query is bounded (a page of at most 100 rows,
newest first, continued with ``before``). SQLite folds the case of ASCII letters only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, or_, select

from townhall.store.schema import comment_checks, comments, threads, users

MAX_PAGE = 100


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own characters taken literally (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search_comments(
    conn: Connection,
    *,
    text: str | None = None,
    author: str | None = None,
    since: int | None = None,
    until: int | None = None,
    site_ids: list[int] | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Comments matching every given filter, newest first (by id); ``site_ids=None`` means
    every site. ``author`` matches a user number, an exact email or part of a name."""
    query = (
        select(
            comments,
            users.c.name.label("author_name"),
            users.c.created_at.label("author_since"),
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.url.label("thread_url"),
            threads.c.site_id,
            comment_checks.c.toxicity,
            comment_checks.c.language,
        )
        .join(threads, threads.c.id == comments.c.thread_id)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .outerjoin(comment_checks, comment_checks.c.comment_id == comments.c.id)
    )
    if text:
        query = query.where(func.lower(comments.c.body).like(like_pattern(text), escape="\\"))
    if author:
        matches = [
            func.lower(users.c.name).like(like_pattern(author), escape="\\"),
            func.lower(users.c.email) == author.lower(),
        ]
        if author.isascii() and author.isdigit() and len(author) < 19:
            matches.append(users.c.id == int(author))
        query = query.where(or_(*matches))
    if since is not None:
        query = query.where(comments.c.created_at >= since)
    if until is not None:
        query = query.where(comments.c.created_at < until)
    if site_ids is not None:
        query = query.where(threads.c.site_id.in_(site_ids))
    if before is not None:
        query = query.where(comments.c.id < before)
    query = query.order_by(comments.c.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
    return [dict(r) for r in conn.execute(query).mappings()]


def author_history(
    conn: Connection, author_id: int, site_ids: list[int] | None = None, limit: int = 5
) -> list[dict[str, Any]]:
    """The author's latest comments in any status, with their stories: their history."""
    query = (
        select(
            comments.c.id,
            comments.c.body,
            comments.c.status,
            comments.c.created_at,
            threads.c.title.label("thread_title"),
            threads.c.key.label("thread_key"),
        )
        .join(threads, threads.c.id == comments.c.thread_id)
        .where(comments.c.author_id == author_id)
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    if site_ids is not None:
        query = query.where(threads.c.site_id.in_(site_ids))
    return [dict(r) for r in conn.execute(query).mappings()]
