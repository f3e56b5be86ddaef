"""The records every importer yields, and the errors an import can end with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from townhall.errors import InvalidInput

# Statuses an imported comment may have. "spam" is hidden from readers like "pending";
# moderators see it in their queue.
STATUSES = ("visible", "deleted", "spam", "pending")


class BadImportFile(InvalidInput):
    slug, title = "bad-import-file", "The import file cannot be read"


class BadRecord(InvalidInput):
    """One record is wrong; ``where`` says where it is (line, element or id)."""

    slug, title = "bad-import-record", "A record in the import file is wrong"

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where
        self.reason = detail


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    source_id: str
    key: str | None  # the source's stable identifier, when it has one
    url: str | None
    title: str | None
    created_at: int | None = None
    is_open: bool = True


@dataclass(frozen=True, slots=True)
class CommentRecord:
    source_id: str
    thread_source_id: str
    parent_source_id: str | None
    author_name: str
    author_email: str | None
    body: str  # plain text or Markdown: what the author would edit
    html: str  # safe HTML (already cleaned)
    created_at: int
    status: str = "visible"
    likes: int = 0
    remote_addr: str | None = None
    edited_at: int | None = None
    where: str = ""  # line or element, for error messages


Record = ThreadRecord | CommentRecord | BadRecord


def parse_time(text: str | None, where: str, field: str) -> int:
    """ISO 8601 (with or without zone; naive means UTC) or 'YYYY-MM-DD HH:MM:SS' -> ms."""
    raw = (text or "").strip()
    if not raw:
        raise BadRecord(where, f"{field} is empty; it must be a date and time.")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(
            where, f"{field} {raw!r} is not a date and time like 2024-01-31T12:00:00Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def ms_to_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
