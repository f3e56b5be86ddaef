"""Engines and transactions.

SQLite: WAL, one writer at a time (a process lock plus ``BEGIN IMMEDIATE`` across
processes), concurrent readers. PostgreSQL: an ordinary pool. Callers only see
``Database.read()`` and ``Database.write()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from townhall.errors import ServerBusy

_BUSY = (
    "The server is too busy to reach its database right now; nothing was stored."
    " Send the request again in a moment."
)


@contextmanager
def _busy_is_503() -> Iterator[None]:
    """Overload is not a bug: a full connection pool or a SQLite lock that outlasted its
    timeout becomes a 503 with Retry-After (the transaction rolled back), not a 500."""
    try:
        yield
    except sa_exc.TimeoutError as error:
        raise ServerBusy(_BUSY) from error
    except sa_exc.OperationalError as error:
        # PostgreSQL's deadlock (40P01) and serialization failure (40001) roll the
        # transaction back whole: like a timed-out lock, the client may simply send again.
        retryable = getattr(error.orig, "sqlstate", None) in ("40P01", "40001")
        if not retryable and "database is locked" not in str(error.orig):
            raise
        raise ServerBusy(_BUSY) from error


def _sqlite_engine(url: str, busy_ms: int) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
        # SQLite connections are cheap; room for each of the thread pool's 40 threads, so
        # a burst waits on the write lock, not on the pool.
        pool_size=8,
        max_overflow=32,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash (SIGKILL); only power loss can
        # drop the last transactions. Acknowledged comments are in the WAL on commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("writer") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _server_engine(url: str) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    def __init__(self, url: str, replica_url: str = "", *, busy_ms: int = 30_000) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, busy_ms)
        else:
            self.engine = _server_engine(url)
        # Reads that may lag the primary by the replication delay (thread pages, counts).
        # Writers re-read inside their own transaction, so they never see a stale row.
        self.read_engine = _server_engine(replica_url) if replica_url else self.engine
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @contextmanager
    def read(self, *, primary: bool = False) -> Iterator[Connection]:
        """A read-only transaction; on the replica, if any, unless ``primary``."""
        engine = self.engine if primary else self.read_engine
        with _busy_is_503(), engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that commits on success; the caller acknowledges only after."""
        if self._write_lock is None:
            with _busy_is_503(), self.engine.begin() as conn:
                yield conn
            return
        with _busy_is_503(), self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(writer=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
