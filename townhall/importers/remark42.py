"""Remark42 backup (``remark42 backup`` / the daily ``backup-*.gz`` after gunzip): JSON
lines, the first a meta object (version, users, posts), then one comment per line with
``id``, ``pid`` (parent id, empty for top level), ``text`` (HTML), ``orig`` (Markdown),
``user.name``, ``user.ip``, ``locator.url``, ``score``, ``time`` (RFC 3339), ``edit.time``,
``delete`` and ``title``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from townhall.importers.html import from_html, from_markdown
from townhall.importers.native import iter_json_lines
from townhall.importers.records import BadRecord, CommentRecord, Record, ThreadRecord, parse_time

SOURCE = "remark42"


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    threads: set[str] = set()
    for where, data in iter_json_lines(path, on_read):
        if isinstance(data, BadRecord):
            yield data
            continue
        if "id" not in data and ("posts" in data or "users" in data or "version" in data):
            continue  # the meta line
        try:
            yield from _comment(data, where, threads)
        except BadRecord as exc:
            yield exc


def _comment(data: dict, where: str, threads: set[str]) -> Iterator[Record]:  # type: ignore[type-arg]
    cid = data.get("id")
    url = (data.get("locator") or {}).get("url")
    if not isinstance(cid, str) or not cid or not isinstance(url, str) or not url:
        raise BadRecord(where, "the comment has no id or no locator.url.")
    where = f"{where} (comment {cid})"
    if url not in threads:
        threads.add(url)
        yield ThreadRecord(source_id=url, key=None, url=url, title=data.get("title") or None)
    orig = data.get("orig")
    body, html = from_markdown(orig) if orig else from_html(str(data.get("text") or ""))
    user = data.get("user") or {}
    edit = data.get("edit") or {}
    yield CommentRecord(
        source_id=cid,
        thread_source_id=url,
        parent_source_id=data.get("pid") or None,
        author_name=str(user.get("name") or "Anonymous"),
        author_email=None,
        body=body,
        html=html,
        created_at=parse_time(data.get("time"), where, "time"),
        edited_at=parse_time(edit["time"], where, "edit.time") if edit.get("time") else None,
        status="deleted" if data.get("delete") else "visible",
        likes=max(0, int(data.get("score") or 0)),
        remote_addr=None,  # Remark42 stores a hash of the address, not the address
        where=where,
    )
