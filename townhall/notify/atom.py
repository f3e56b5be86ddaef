"""Atom feeds (RFC 4287, with RFC 4685 reply links), built with lxml: the thread and reply
feeds (#5) and the Isso-compatible feed (#6) share this one builder, so escaping and the
required elements are right in one place. lxml loads with the first feed asked for, not in
every worker at start (#7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
THREAD = "http://purl.org/syndication/thread/1.0"
MEDIA_TYPE = "application/atom+xml"
_NSMAP = {None: ATOM, "thr": THREAD}


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated_ms: int
    author: str
    html: str  # already sanitised by the server; carried escaped as type="html"
    link: str | None = None
    published_ms: int | None = None
    in_reply_to: str | None = None  # the id (and link) of the entry this one answers


def _add(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    from lxml import etree

    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def feed(
    *,
    id: str,  # noqa: A002 - the Atom element's name
    title: str,
    entries: list[Entry],
    self_link: str | None = None,
    alternate: str | None = None,
    author: str = "Townhall",
    updated_ms: int | None = None,
) -> bytes:
    """The feed's bytes. ``updated`` is the newest entry's time unless given."""
    from lxml import etree

    root = etree.Element(f"{{{ATOM}}}feed", nsmap=_NSMAP)
    _add(root, "id", id)
    _add(root, "title", title)
    newest = max((e.updated_ms for e in entries), default=updated_ms or 0)
    _add(root, "updated", rfc3339(updated_ms if updated_ms is not None else newest))
    _add(_add(root, "author"), "name", author)
    if self_link:
        _add(root, "link", rel="self", type=MEDIA_TYPE, href=self_link)
    if alternate:
        _add(root, "link", rel="alternate", type="text/html", href=alternate)
    for item in entries:
        entry = _add(root, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "updated", rfc3339(item.updated_ms))
        if item.published_ms is not None:
            _add(entry, "published", rfc3339(item.published_ms))
        _add(_add(entry, "author"), "name", item.author)
        if item.link:
            _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "content", item.html, type="html")
        if item.in_reply_to:
            etree.SubElement(
                entry, f"{{{THREAD}}}in-reply-to", ref=item.in_reply_to, href=item.in_reply_to
            )
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))
