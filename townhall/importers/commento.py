"""Commento / Comentario JSON export (Dashboard > Export): one object with ``comments``
(``commentHex``, ``path``, ``commenterHex``, ``markdown``, ``html``, ``parentHex`` ("root"
at top level), ``score``, ``state``, ``creationDate``, ``deleted``) and ``commenters``
(``commenterHex``, ``email``, ``name``). The export is one JSON document, so it is read
whole; such exports are small next to Disqus archives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from townhall.importers.html import from_html, from_markdown
from townhall.importers.records import (
    BadImportFile,
    BadRecord,
    CommentRecord,
    Record,
    ThreadRecord,
    parse_time,
)

SOURCE = "commento"
_STATES = {"approved": "visible", "unapproved": "pending", "flagged": "pending"}


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise BadImportFile(f"{path.name} is not JSON ({exc}); give Commento's export.") from None
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise BadImportFile(f'{path.name} has no "comments" list; give Commento\'s export.')
    people = {c.get("commenterHex"): c for c in data.get("commenters") or [] if isinstance(c, dict)}
    threads: set[str] = set()
    for n, item in enumerate(data["comments"]):
        try:
            yield from _comment(item, f"comments[{n}]", people, threads)
        except BadRecord as exc:
            yield exc
    if on_read is not None:
        on_read(path.stat().st_size)


def _comment(item: Any, where: str, people: dict[Any, Any], threads: set[str]) -> Iterator[Record]:
    if not isinstance(item, dict) or not item.get("commentHex") or not item.get("path"):
        raise BadRecord(where, "the comment has no commentHex or no path.")
    where = f"{where} ({item['commentHex']})"
    path = str(item["path"])
    if path not in threads:
        threads.add(path)
        yield ThreadRecord(source_id=path, key=None, url=path, title=None)
    state = item.get("state") or "approved"
    if state not in _STATES:
        raise BadRecord(where, f"state {state!r} is not approved, unapproved or flagged.")
    markdown = item.get("markdown")
    body, html = from_markdown(markdown) if markdown else from_html(str(item.get("html") or ""))
    person = people.get(item.get("commenterHex")) or {}
    parent = item.get("parentHex")
    yield CommentRecord(
        source_id=str(item["commentHex"]),
        thread_source_id=path,
        parent_source_id=parent if parent and parent != "root" else None,
        author_name=str(person.get("name") or "Anonymous"),
        author_email=person.get("email") or None,
        body=body,
        html=html,
        created_at=parse_time(item.get("creationDate"), where, "creationDate"),
        status="deleted" if item.get("deleted") else _STATES[state],
        likes=max(0, int(item.get("score") or 0)),
        where=where,
    )
