"""The common writer: records in, atomic batches out.

Each batch is one transaction: its comments, their authors, threads, counts and import
keys commit together or not at all. Every stored comment leaves an import key
(site, source, source id), so a second run, or a run resumed after a crash, skips what is
there and adds only what is missing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from townhall import events
from townhall.domain import addresses
from townhall.domain.services import Services
from townhall.domain.sites import get_site
from townhall.errors import InvalidInput
from townhall.importers.records import BadRecord, CommentRecord, Record, ThreadRecord
from townhall.store import imports as import_store
from townhall.store import threads as thread_store

MAX_PROBLEMS_KEPT = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass
class ImportReport:
    source: str
    records: int = 0
    comments: int = 0
    already: int = 0
    threads: int = 0
    users: int = 0
    skipped: int = 0
    orphans: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(text)


class UrlMap:
    """``--map-url OLD=NEW`` rules: the first rule whose OLD prefixes a URL rewrites it."""

    def __init__(self, rules: Iterable[str] = ()) -> None:
        self.rules: list[tuple[str, str]] = []
        for rule in rules:
            old, sep, new = rule.partition("=")
            if not sep or not old:
                raise InvalidInput(
                    f"--map-url {rule!r} is not OLD=NEW; write e.g."
                    " --map-url http://old.example.com/=https://news.example.org/"
                )
            self.rules.append((old, new))

    def __call__(self, url: str | None) -> str | None:
        if url is None:
            return None
        for old, new in self.rules:
            if url.startswith(old):
                return new + url[len(old) :]
        return url


def _is_web_address(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://")) and len(str(url)) <= 2000


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name[:80] or "Guest"


def account_email(source: str, name: str, email: str | None) -> str:
    """The account an imported author maps to: their email, or for authors without a
    usable one a stable address under .invalid (RFC 2606) that can never be claimed."""
    if email:
        email = email.strip().lower()
        if len(email) <= 320 and _EMAIL.match(email):
            return email
    digest = hashlib.sha256(f"{source}\0{name}".encode()).hexdigest()[:20]
    return f"{source}-{digest}@imported.invalid"


@dataclass
class _Placed:
    id: int
    thread_id: int
    root_id: int
    display_parent_id: int | None
    depth: int


class Importer:
    def __init__(
        self,
        services: Services,
        *,
        site: str,
        source: str,
        map_url: UrlMap | None = None,
        strict: bool = False,
        batch_size: int = 2000,
        on_batch: Callable[[ImportReport], None] | None = None,
    ) -> None:
        self.services = services
        self.site = get_site(services, site)
        self.source = source
        self.map_url = map_url or UrlMap()
        self.strict = strict
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.report = ImportReport(source)
        self.max_depth = int(services.settings.max_depth)
        self._threads: dict[str, ThreadRecord] = {}
        self._thread_ids: dict[str, int] = {}
        self._waiting: list[CommentRecord] = []

    def run(self, records: Iterable[Record]) -> ImportReport:
        batch: list[CommentRecord] = []
        for record in records:
            if isinstance(record, BadRecord):
                self._bad(record)
            elif isinstance(record, ThreadRecord):
                self._threads[record.source_id] = record
            else:
                self.report.records += 1
                batch.append(record)
                if len(batch) >= self.batch_size:
                    self._flush(batch, final=False)
                    batch = []
        self._flush(batch, final=False)
        self._flush([], final=True)
        return self.report

    def _bad(self, error: BadRecord) -> None:
        if self.strict:
            raise error
        self.report.skipped += 1
        self.report.problem(f"skipped {error.where}: {error.reason}")

    def _flush(self, batch: list[CommentRecord], *, final: bool) -> None:
        todo = self._waiting + batch
        self._waiting = []
        if not todo:
            return
        new_threads: dict[str, int] = {}
        added: dict[int, int] = {}
        with self.services.db.write() as conn:
            self._write(conn, todo, new_threads, final, added)
        self._thread_ids.update(new_threads)
        # After the commit: caches drop the threads' pages (no live message for history).
        for thread_id, count in added.items():
            self.services.events.publish(events.CommentsImported(self.site["id"], thread_id, count))
        if self.on_batch is not None:
            self.on_batch(self.report)

    def _thread_id(self, conn: Connection, source_id: str, new: dict[str, int], when: int) -> int:
        known = self._thread_ids.get(source_id) or new.get(source_id)
        if known is not None:
            return known
        record = self._threads.get(source_id)
        if record is None:
            raise BadRecord("thread " + source_id, "it is not declared in the file.")
        url = self.map_url(record.url)
        key = record.key or url
        if not key:
            raise BadRecord(f"thread {source_id}", "it has neither an identifier nor a link.")
        site_id = self.site["id"]
        thread = thread_store.by_key(conn, site_id, key[:500])
        if thread is None:
            created = record.created_at if record.created_at is not None else when
            thread = thread_store.create(
                conn, site_id=site_id, key=key[:500], title=record.title and record.title[:500],
                url=url if _is_web_address(url) else None, now=created,
            )  # fmt: skip
            if not record.is_open:
                thread_store.set_open(conn, thread["id"], False)
            self.report.threads += 1
        new[source_id] = thread["id"]
        return int(thread["id"])

    def _write(
        self,
        conn: Connection,
        todo: list[CommentRecord],
        new: dict[str, int],
        final: bool,
        added: dict[int, int],
    ) -> None:
        site_id = self.site["id"]
        known = import_store.known_source_ids(
            conn, site_id, self.source, [r.source_id for r in todo]
        )
        fresh: list[CommentRecord] = []
        in_batch: set[str] = set()
        for record in todo:
            if record.source_id in known:
                self.report.already += 1
            elif record.source_id in in_batch:
                self._bad(BadRecord(record.where, f"duplicate id {record.source_id!r}; the"
                                    " first one was imported, this one skipped."))  # fmt: skip
            else:
                in_batch.add(record.source_id)
                fresh.append(record)
        wanted = {r.parent_source_id for r in fresh if r.parent_source_id}
        placed: dict[str, _Placed] = {
            sid: _Placed(row["id"], row["thread_id"], row["root_id"] or row["id"],
                         row["display_parent_id"], row["depth"])
            for sid, row in import_store.comments_by_source_id(
                conn, site_id, self.source, sorted(wanted - in_batch)
            ).items()
        }  # fmt: skip
        authors = self._authors(conn, fresh)
        thread_deltas: dict[int, int] = {}
        reply_deltas: dict[int, int] = {}
        remaining = fresh
        while remaining:
            unplaced = {r.source_id for r in remaining}
            layer: list[tuple[CommentRecord, int, _Placed | None]] = []
            later: list[CommentRecord] = []
            for record in remaining:
                parent_sid = record.parent_source_id
                parent = placed.get(parent_sid) if parent_sid else None
                if parent_sid and parent is None:
                    if parent_sid in unplaced:
                        later.append(record)  # its parent comes in a later layer
                        continue
                    if not final:
                        self._waiting.append(record)  # its parent may come in a later batch
                        continue
                    self._orphan(record, f"its parent {parent_sid!r} is not in the file")
                self._place(conn, record, parent, new, layer)
            if not layer and later:
                # Only a loop of replies (A answers B answers A) is left: break it.
                self._orphan(later[0], "its replies form a loop")
                self._place(conn, later.pop(0), None, new, layer)
            if layer:
                self._insert_layer(conn, layer, authors, placed, thread_deltas, reply_deltas)
                for _record, thread_id, _parent in layer:
                    added[thread_id] = added.get(thread_id, 0) + 1
            remaining = later
        import_store.add_thread_counts(conn, thread_deltas)
        import_store.add_reply_counts(conn, reply_deltas)

    def _orphan(self, record: CommentRecord, why: str) -> None:
        self.report.orphans += 1
        self.report.problem(f"{record.where}: {why}; imported as a top-level comment.")

    def _place(
        self,
        conn: Connection,
        record: CommentRecord,
        parent: _Placed | None,
        new: dict[str, int],
        layer: list[tuple[CommentRecord, int, _Placed | None]],
    ) -> None:
        try:
            thread_id = self._thread_id(conn, record.thread_source_id, new, record.created_at)
        except BadRecord as exc:
            self._bad(BadRecord(record.where, exc.reason))
            return
        if parent is not None and parent.thread_id != thread_id:
            self._orphan(record, "its parent is in another thread")
            parent = None
        layer.append((record, thread_id, parent))

    def _authors(self, conn: Connection, records: list[CommentRecord]) -> dict[str, int]:
        wanted: dict[str, str] = {}
        for r in records:
            email = account_email(self.source, r.author_name, r.author_email)
            wanted.setdefault(email, _clean_name(r.author_name))
        found = import_store.users_by_email(conn, sorted(wanted))
        missing = [{"email": e, "name": n} for e, n in wanted.items() if e not in found]
        created = import_store.create_users(conn, missing, self.services.clock.now_ms())
        self.report.users += len(created)
        return {**found, **created}

    def _insert_layer(
        self,
        conn: Connection,
        layer: list[tuple[CommentRecord, int, _Placed | None]],
        authors: dict[str, int],
        placed: dict[str, _Placed],
        thread_deltas: dict[int, int],
        reply_deltas: dict[int, int],
    ) -> None:
        rows: list[dict[str, Any]] = []
        for record, thread_id, parent in layer:
            depth = parent.depth + 1 if parent else 0
            display = None
            if parent is not None:
                display = parent.id if depth <= self.max_depth else parent.display_parent_id
            rows.append({
                "thread_id": thread_id,
                "parent_id": parent.id if parent else None,
                "root_id": parent.root_id if parent else None,
                "display_parent_id": display,
                "depth": depth,
                "author_id": authors[account_email(self.source, record.author_name,
                                                   record.author_email)],
                "body": record.body,
                "html": record.html,
                "status": record.status,
                "created_at": record.created_at,
                "edited_at": record.edited_at,
                "reaction_count": max(0, record.likes),
                # Kept only as a keyed hash (#5), and cleared after ip_retention_days.
                "remote_addr": record.remote_addr
                and addresses.hash_address(self.services, record.remote_addr),
            })  # fmt: skip
        ids = import_store.insert_comments(conn, rows)
        import_store.set_roots_to_self(conn, [i for i, r in zip(ids, rows, strict=True)
                                              if r["root_id"] is None])  # fmt: skip
        import_store.add_keys(
            conn, self.site["id"], self.source,
            [(rec.source_id, i) for (rec, _t, _p), i in zip(layer, ids, strict=True)],
        )  # fmt: skip
        for (record, thread_id, parent), new_id, row in zip(layer, ids, rows, strict=True):
            placed[record.source_id] = _Placed(
                new_id, thread_id, row["root_id"] or new_id, row["display_parent_id"], row["depth"]
            )
            if record.status == "visible":
                thread_deltas[thread_id] = thread_deltas.get(thread_id, 0) + 1
                if parent is not None:
                    reply_deltas[parent.id] = reply_deltas.get(parent.id, 0) + 1
        self.report.comments += len(ids)
