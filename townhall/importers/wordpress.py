"""WordPress eXtended RSS (WXR, Tools > Export): each <item> is a post or page with its
<wp:comment> elements. Pingbacks and trackbacks are not comments and are skipped."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from townhall.importers.html import from_text_with_html
from townhall.importers.records import (
    BadRecord,
    CommentRecord,
    Record,
    ThreadRecord,
    parse_time,
)
from townhall.importers.xmlsafe import iter_elements, text

SOURCE = "wordpress"
# WXR 1.0 to 1.2 differ only in the namespace's version number.
_WP_NAMESPACE = re.compile(r"^http://wordpress\.org/export/\d+\.\d+/$")
_STATUS = {"1": "visible", "approve": "visible", "0": "pending", "hold": "pending",
           "spam": "spam", "trash": "deleted"}  # fmt: skip


def _wp(element: etree._Element) -> str:
    for ns in element.nsmap.values() if element.nsmap else ():
        if ns and _WP_NAMESPACE.match(ns):
            return "{" + ns + "}"
    return "{http://wordpress.org/export/1.2/}"


def _time(element: etree._Element, wp: str, base: str, where: str) -> int:
    gmt = text(element, wp + base + "_gmt")
    if gmt and not gmt.startswith("0000"):
        return parse_time(gmt, where, base + "_gmt")
    return parse_time(text(element, wp + base), where, base)


def _comment(comment: etree._Element, wp: str, post_id: str) -> CommentRecord | None:
    comment_id = text(comment, wp + "comment_id")
    where = f"line {comment.sourceline}, <wp:comment> {comment_id or '(no id)'}"
    if not comment_id:
        raise BadRecord(where, "the comment has no <wp:comment_id>.")
    if text(comment, wp + "comment_type") in ("pingback", "trackback"):
        return None
    approved = text(comment, wp + "comment_approved") or "1"
    status = _STATUS.get(approved)
    if status is None:
        raise BadRecord(where, f"comment_approved is {approved!r}; expected 1, 0, spam or trash.")
    parent = text(comment, wp + "comment_parent")
    body, html = from_text_with_html(text(comment, wp + "comment_content"))
    return CommentRecord(
        source_id=comment_id,
        thread_source_id=post_id,
        parent_source_id=parent if parent and parent != "0" else None,
        author_name=text(comment, wp + "comment_author") or "Guest",
        author_email=text(comment, wp + "comment_author_email") or None,
        body=body,
        html=html,
        created_at=_time(comment, wp, "comment_date", where),
        status=status,
        remote_addr=text(comment, wp + "comment_author_IP") or None,
        where=where,
    )


def _item(item: etree._Element) -> Iterator[Record]:
    wp = _wp(item)
    post_id = text(item, wp + "post_id")
    where = f"line {item.sourceline}, <item> {post_id or '(no post_id)'}"
    comments = item.findall(wp + "comment")
    if not comments:
        return
    if not post_id:
        yield BadRecord(where, "the post has comments but no <wp:post_id>.")
        return
    created = None
    try:
        created = _time(item, wp, "post_date", where)
    except BadRecord:
        pass  # drafts have no date; the thread then starts with its first comment
    yield ThreadRecord(
        source_id=post_id,
        key=None,
        url=text(item, "link") or None,
        title=text(item, "title") or None,
        created_at=created,
        is_open=text(item, wp + "comment_status") != "closed",
    )
    for comment in comments:
        try:
            record = _comment(comment, wp, post_id)
        except BadRecord as exc:
            yield exc
            continue
        if record is not None:
            yield record


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    for item in iter_elements(path, ["item"], record_depth=2, on_read=on_read):
        yield from _item(item)
