"""The formats ``townhall import`` reads, by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from townhall.errors import InvalidInput
from townhall.importers import commento, disqus, isso, native, remark42, wordpress
from townhall.importers.records import Record

Reader = Callable[[Path, Callable[[int], None] | None], Iterator[Record]]

FORMATS: dict[str, Reader] = {
    "commento": commento.read,
    "disqus": disqus.read,
    "isso": isso.read,
    "wordpress": wordpress.read,
    "remark42": remark42.read,
    "townhall": native.read,
}


def reader(name: str) -> Reader:
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidInput(
            f"Unknown import format {name!r}; choose one of {', '.join(sorted(FORMATS))}."
        ) from None
