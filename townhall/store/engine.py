"""Engines and transactions.

SQLite: WAL, one writer at a time (a thread lock, a file lock between the server's worker
processes, and ``BEGIN IMMEDIATE`` against everyone else), concurrent readers.
PostgreSQL: an ordinary pool. Callers only see ``Database.read()``, ``Database.write()``
and ``Database.write_retrying()``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # not POSIX: writers between processes wait in SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from townhall.errors import ServerBusy

_BUSY = (
    "The server is too busy to reach its database right now; nothing was stored."
    " Send the request again in a moment."
)


T = TypeVar("T")
# PostgreSQL's deadlock (40P01) and serialization failure (40001): the transaction was
# rolled back whole, and running it again usually succeeds.
RETRYABLE = ("40P01", "40001")
WRITE_ATTEMPTS = 3


def _retryable(error: BaseException | None) -> bool:
    return isinstance(error, sa_exc.OperationalError) and (
        getattr(error.orig, "sqlstate", None) in RETRYABLE
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
        if not _retryable(error) and "database is locked" not in str(error.orig):
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


def _writer_lock_file(url: str) -> Any:
    """A file beside the database that the server's worker processes lock in turn before
    writing. SQLite's own wait for its write lock (the busy timeout) sleeps 1, 2, 5 … up
    to 100 ms between tries, so with two workers posting, the lock sat free while the
    waiter slept (#7); the kernel hands a file lock to the next waiter at once."""
    database = make_url(url).database
    if fcntl is None or not database or database == ":memory:":
        return None
    return open(f"{database}-writer.lock", "ab")  # noqa: SIM115 - open for the process's life


@contextmanager
def _held(lock_file: Any) -> Iterator[None]:
    if lock_file is None:
        yield
        return
    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)  # waits without holding the GIL
    try:
        yield
    finally:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


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
        self._file_lock = _writer_lock_file(url) if self.is_sqlite else None

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
        with (
            _busy_is_503(),
            self._write_lock,
            _held(self._file_lock),
            self.engine.connect() as conn,
        ):
            conn = conn.execution_options(writer=True)
            with conn.begin():
                yield conn

    def write_retrying(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one write transaction; on PostgreSQL run again (twice at most, after
        a short random pause) when the server aborted it as a deadlock or serialization
        failure, so the caller sees a 503 only when that keeps happening. ``work`` must
        have no effect outside the transaction (events are published after it)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.write() as conn:
                    return work(conn)
            except ServerBusy as busy:
                if attempt == WRITE_ATTEMPTS or not _retryable(busy.__cause__):
                    raise
            time.sleep(random.uniform(0.002, 0.02) * attempt)  # noqa: S311 - jitter
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        if self._file_lock is not None:
            self._file_lock.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
