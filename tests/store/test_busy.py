"""Overload answers 503 with Retry-After, and stores nothing: a SQLite write lock held past
the busy timeout (another process writing for too long) is not a 500 (#8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from townhall.errors import ServerBusy
from townhall.store.engine import Database


def test_a_write_lock_held_past_the_timeout_is_a_503_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}", busy_ms=200)
    with db.write() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        with pytest.raises(ServerBusy) as raised, db.write() as conn:
            conn.execute(text("INSERT INTO notes VALUES ('lost?')"))
        assert raised.value.status == 503
        assert raised.value.headers["Retry-After"]
        assert "nothing was stored" in raised.value.detail
    finally:
        other.execute("ROLLBACK")
        other.close()
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 0
    db.dispose()
