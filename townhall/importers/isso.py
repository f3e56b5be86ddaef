"""Isso's SQLite database (the file named by ``[general] dbpath`` in isso.cfg): tables
``threads(id, uri, title)`` and ``comments(tid, id, parent, created, modified, mode,
remote_addr, text, author, email, website, likes, dislikes, voters, notification)``.
``mode`` is 1 for published, 2 for waiting for moderation, 4 for deleted; times are Unix
seconds; ``text`` is Markdown. The file is opened read-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from townhall.importers.html import from_markdown
from townhall.importers.records import BadImportFile, BadRecord, CommentRecord, Record, ThreadRecord

SOURCE = "isso"
_MODES = {1: "visible", 2: "pending", 4: "deleted"}


def _open(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT id, uri, title FROM threads LIMIT 1")
        conn.execute("SELECT tid, id, parent, created, modified, mode, text, author, email,"
                     " likes FROM comments LIMIT 1")  # fmt: skip
    except sqlite3.DatabaseError as exc:
        raise BadImportFile(
            f"{path.name} is not an Isso database ({exc}). Give the file named by dbpath in"
            " isso.cfg, copied while Isso is stopped."
        ) from None
    return conn


def read(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[Record]:
    conn = _open(path)
    try:
        for tid, uri, title in conn.execute("SELECT id, uri, title FROM threads ORDER BY id"):
            yield ThreadRecord(source_id=str(tid), key=None, url=uri, title=title)
        total = conn.execute("SELECT count(*) FROM comments").fetchone()[0] or 1
        query = (
            "SELECT tid, id, parent, created, modified, mode, remote_addr, text, author,"
            " email, likes FROM comments ORDER BY id"
        )
        for n, row in enumerate(conn.execute(query), start=1):
            tid, cid, parent, created, modified, mode, addr, text, author, email, likes = row
            where = f"comments row id={cid}"
            if on_read is not None and n % 1000 == 0:
                on_read(int(path.stat().st_size * n / total))
            status = _MODES.get(mode)
            if status is None:
                yield BadRecord(where, f"mode {mode!r} is not 1, 2 or 4.")
                continue
            if created is None:
                yield BadRecord(where, "created is empty.")
                continue
            body, html = from_markdown(text or "")
            yield CommentRecord(
                source_id=str(cid),
                thread_source_id=str(tid),
                parent_source_id=str(parent) if parent is not None else None,
                author_name=author or "Anonymous",
                author_email=email or None,
                body=body,
                html=html,
                created_at=int(float(created) * 1000),
                edited_at=int(float(modified) * 1000) if modified else None,
                status=status,
                likes=int(likes or 0),
                remote_addr=addr,
                where=where,
            )
        if on_read is not None:
            on_read(path.stat().st_size)
    finally:
        conn.close()
