"""Townhall's own export format, JSON lines (docs/export-format.md): written by
``townhall export``, read back by ``townhall import townhall``."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from townhall.domain.access import access_admin
from townhall.domain.markdown import render
from townhall.domain.services import Services
from townhall.domain.sites import get_site
from townhall.importers.html import clean_html
from townhall.importers.records import (
    STATUSES,
    BadImportFile,
    BadRecord,
    CommentRecord,
    Record,
    ThreadRecord,
    ms_to_iso,
    parse_time,
)
from townhall.store import imports as import_store

SOURCE = "townhall"
FORMAT = "townhall-export"
VERSION = 1
_PAGE = 2000


def _line(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data) + b"\n"


def export(services: Services, site_slug: str, out: IO[bytes]) -> int:
    """Write the site's threads then comments (parents before replies); returns comments."""
    lines = _lines(services, get_site(services, site_slug))
    while True:
        try:
            out.write(next(lines))
        except StopIteration as done:
            return int(done.value)


def export_for_download(
    services: Services, site_slug: str, *, user: dict[str, Any] | None
) -> Iterator[bytes]:
    """The export as lines for the dashboard. Access and the site are checked now, before
    the caller starts a response; the lines are read as the response is sent."""
    access_admin(user, "export a site's comments")
    return _lines(services, get_site(services, site_slug))


def _lines(services: Services, site: dict[str, Any]) -> Generator[bytes, None, int]:
    now = services.clock.now_ms()
    yield _line({"type": "header", "format": FORMAT, "version": VERSION,
                 "site": site["slug"], "exported_at": ms_to_iso(now)})  # fmt: skip
    with services.db.read() as conn:
        for thread in import_store.site_threads(conn, site["id"]):
            yield _line({
                "type": "thread", "key": thread["key"], "title": thread["title"],
                "url": thread["url"], "is_open": bool(thread["is_open"]),
                "created_at": ms_to_iso(thread["created_at"]),
            })  # fmt: skip
    written, after = 0, 0
    while True:
        # One short read transaction per page, so a long export never blocks writers.
        with services.db.read() as conn:
            rows = import_store.site_comments(conn, site["id"], after, _PAGE)
        for row in rows:
            edited = row["edited_at"]
            yield _line({
                "type": "comment", "id": str(row["id"]), "thread": row["thread_key"],
                "parent": str(row["parent_id"]) if row["parent_id"] is not None else None,
                "author": {"name": row["author_name"], "email": row["author_email"]},
                "body": row["body"], "html": row["html"], "status": row["status"],
                "created_at": ms_to_iso(row["created_at"]),
                "edited_at": ms_to_iso(edited) if edited is not None else None,
                "likes": row["reaction_count"],
            })  # fmt: skip
        written += len(rows)
        if len(rows) < _PAGE:
            return written
        after = rows[-1]["id"]


def _thread(data: dict[str, Any], where: str) -> ThreadRecord:
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise BadRecord(where, "the thread has no key.")
    created = data.get("created_at")
    return ThreadRecord(
        source_id=key,
        key=key,
        url=data.get("url"),
        title=data.get("title"),
        created_at=parse_time(created, where, "created_at") if created else None,
        is_open=bool(data.get("is_open", True)),
    )


def _comment(data: dict[str, Any], where: str) -> CommentRecord:
    for name in ("id", "thread", "body", "created_at"):
        if not isinstance(data.get(name), str):
            raise BadRecord(where, f"the comment has no {name!r} string.")
    author = data.get("author") or {}
    edited = data.get("edited_at")
    body = data["body"]
    html = data.get("html")
    if not isinstance(html, str):
        html = render(body)
    status = str(data.get("status") or "visible")
    if status not in STATUSES:
        raise BadRecord(where, f"status {status!r} is not one of {', '.join(STATUSES)}.")
    return CommentRecord(
        source_id=data["id"],
        thread_source_id=data["thread"],
        parent_source_id=data.get("parent"),
        author_name=str(author.get("name") or "Guest"),
        author_email=author.get("email"),
        body=body,
        html=clean_html(html),
        created_at=parse_time(data["created_at"], where, "created_at"),
        edited_at=parse_time(edited, where, "edited_at") if edited else None,
        status=status,
        likes=int(data.get("likes") or 0),
        where=f"{where} (comment {data['id']})",
    )


def iter_json_lines(
    path: Path, on_read: Callable[[int], None] | None = None
) -> Iterator[tuple[str, dict[str, Any] | BadRecord]]:
    """(where, object) per non-empty line; a line that is not a JSON object is a BadRecord."""
    position = 0
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            position += len(line)
            if on_read is not None:
                on_read(position)
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield where, BadRecord(where, f"not valid JSON ({exc}).")
                continue
            if not isinstance(data, dict):
                yield where, BadRecord(where, "expected a JSON object.")
                continue
            yield where, data


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    first = True
    for where, data in iter_json_lines(path, on_read):
        if isinstance(data, BadRecord) and not first:
            yield data
            continue
        kind = data.get("type") if isinstance(data, dict) else None
        if first:
            if not isinstance(data, dict) or kind != "header" or data.get("format") != FORMAT:
                raise BadImportFile(
                    f"{path.name} does not start with a Townhall export header"
                    f' ({{"type": "header", "format": "{FORMAT}"}}); is it another format?'
                )
            if data.get("version") != VERSION:
                raise BadImportFile(
                    f"{path.name} is export version {data.get('version')!r}; this Townhall"
                    f" reads version {VERSION}. Upgrade Townhall to import it."
                )
            first = False
            continue
        try:
            if kind == "thread":
                yield _thread(data, where)
            elif kind == "comment":
                yield _comment(data, where)
            else:
                yield BadRecord(where, f"unknown record type {kind!r}.")
        except BadRecord as exc:
            yield exc
