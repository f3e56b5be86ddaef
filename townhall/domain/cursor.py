"""Opaque pagination cursors: (sort value, id) of the last item seen."""

from __future__ import annotations

import base64
import binascii

from townhall.errors import InvalidInput


def encode(value: int, item_id: int) -> str:
    return base64.urlsafe_b64encode(f"{value}:{item_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, item_id = raw.split(":")
        return int(value), int(item_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not one this server gave out; start again without it.",
            errors=[{"field": "cursor", "message": "Use the next_cursor value as given."}],
        ) from exc
