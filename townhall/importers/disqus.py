"""Disqus XML export (https://docs.disqus.com/developers/export/): <category>, then
<thread dsq:id>, then <post dsq:id> elements, all children of <disqus>."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from townhall.importers.html import from_html
from townhall.importers.records import (
    BadRecord,
    CommentRecord,
    Record,
    ThreadRecord,
    parse_time,
)
from townhall.importers.xmlsafe import depth, iter_elements, text

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
SOURCE = "disqus"


def _flag(element: etree._Element, tag: str) -> bool:
    return text(element, NS + tag).lower() == "true"


def _thread(element: etree._Element) -> ThreadRecord:
    where = f"line {element.sourceline}, <thread>"
    source_id = element.get(DSQ_ID) or ""
    if not source_id:
        raise BadRecord(where, "the thread has no dsq:id attribute.")
    created = text(element, NS + "createdAt")
    return ThreadRecord(
        source_id=source_id,
        key=text(element, NS + "id") or None,
        url=text(element, NS + "link") or None,
        title=text(element, NS + "title") or None,
        created_at=parse_time(created, where, "createdAt") if created else None,
        is_open=not _flag(element, "isClosed"),
    )


def _post(element: etree._Element) -> CommentRecord:
    source_id = element.get(DSQ_ID) or ""
    where = f"line {element.sourceline}, <post dsq:id={source_id!r}>"
    if not source_id:
        raise BadRecord(where, "the post has no dsq:id attribute.")
    thread = element.find(NS + "thread")
    thread_id = thread.get(DSQ_ID) if thread is not None else None
    if not thread_id:
        raise BadRecord(where, "the post names no <thread dsq:id>.")
    parent = element.find(NS + "parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    author = element.find(NS + "author")
    name = email = ""
    if author is not None:
        name = text(author, NS + "name") or text(author, NS + "username")
        email = text(author, NS + "email")
    body, html = from_html(text(element, NS + "message"))
    if _flag(element, "isSpam"):
        status = "spam"
    elif _flag(element, "isDeleted"):
        status = "deleted"
    else:
        status = "visible"
    return CommentRecord(
        source_id=source_id,
        thread_source_id=thread_id,
        parent_source_id=parent_id or None,
        author_name=name or "Guest",
        author_email=email or None,
        body=body,
        html=html,
        created_at=parse_time(text(element, NS + "createdAt"), where, "createdAt"),
        status=status,
        remote_addr=text(element, NS + "ipAddress") or None,
        where=where,
    )


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    tags = [NS + "thread", NS + "post"]
    for element in iter_elements(path, tags, record_depth=1, on_read=on_read):
        if depth(element) != 1:
            continue  # <thread dsq:id> inside a <post>: read with the post
        try:
            if element.tag == NS + "thread":
                yield _thread(element)
            else:
                yield _post(element)
        except BadRecord as exc:
            yield exc
