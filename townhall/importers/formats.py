"""The formats ``townhall import`` reads, by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from townhall.errors import InvalidInput
from townhall.importers import disqus, isso, native, wordpress
from townhall.importers.records import Record

Reader = Callable[[Path, Callable[[int], None] | None], Iterator[Record]]

FORMATS: dict[str, Reader] = {
    "disqus": disqus.read,
    "isso": isso.read,
    "wordpress": wordpress.read,
    "townhall": native.read,
}


def reader(name: str) -> Reader:
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidInput(
            f"Unknown import format {name!r}; choose one of {', '.join(sorted(FORMATS))}."
        ) from None
