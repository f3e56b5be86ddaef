"""Streaming XML with entity expansion, DTD loading and network access off.

Exports from Disqus and WordPress never declare entities or a DTD, so a file that does is
refused outright (billion-laughs and XXE attacks both need one) rather than parsed
half-safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from townhall.importers.records import BadImportFile


class CountingReader:
    """A binary file that remembers how many bytes were read (for the progress bar)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.position = 0
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.position += len(data)
        if self.on_read is not None:
            self.on_read(self.position)
        return data


def _refuse_dtd(path: Path, docinfo: Any) -> None:
    dtd = docinfo.internalDTD
    entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
    if entities or docinfo.system_url or docinfo.public_id:
        _refuse(path, f"entities ({', '.join(entities[:3])})" if entities else "an external DTD")


def _refuse_doctype_early(path: Path) -> None:
    """Catch entity declarations before libxml2 sees them, for a clearer message than its
    own amplification error."""
    with path.open("rb") as raw:
        head = raw.read(65536)
    start = head.find(b"<!DOCTYPE")
    if start < 0:
        return
    doctype = head[start:]
    if b"<!ENTITY" in doctype or re.match(rb"<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)", doctype):
        what = "entities" if b"<!ENTITY" in doctype else "an external DTD"
        _refuse(path, what)


def _refuse(path: Path, what: str) -> None:
    raise BadImportFile(
        f"{path.name} declares {what} in its DOCTYPE. Real Disqus and WordPress exports"
        " never do; Townhall refuses to expand them (this is how billion-laughs and XXE"
        " attacks work). Remove the DOCTYPE if the file is genuine."
    )


def iter_elements(
    path: Path,
    tags: Iterable[str],
    *,
    record_depth: int,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[etree._Element]:
    """Yield each element named in ``tags`` when it ends, and free the records (elements at
    ``record_depth``: 1 for children of the root) so memory stays flat."""
    _refuse_doctype_early(path)
    with path.open("rb") as raw:
        reader = CountingReader(raw, on_read)
        context = etree.iterparse(
            reader,
            events=("end",),
            tag=list(tags),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        checked = False
        try:
            for _event, element in context:
                if not checked:
                    _refuse_dtd(path, element.getroottree().docinfo)
                    checked = True
                yield element
                # Free records once read; elements nested in a record stay until the
                # record itself ends.
                parent = element.getparent()
                if parent is not None and _depth(element) == record_depth:
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            raise BadImportFile(
                f"{path.name} is not well-formed XML at line {exc.lineno}: {exc.msg}."
                " Check the file is a complete export (not cut off) and in UTF-8."
            ) from None


def depth(element: etree._Element) -> int:
    level = 0
    parent = element.getparent()
    while parent is not None:
        level += 1
        parent = parent.getparent()
    return level


_depth = depth


def text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""
