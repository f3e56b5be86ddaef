"""Backups of the whole database while the server runs, and restores into an empty one.

SQLite: the online backup API copies the database in one step inside a read transaction,
so the copy is the snapshot at its start; in WAL mode the server's writers go on meanwhile
(a copy in several steps would start over after every write from another process, and never
finish on a busy site). PostgreSQL: `pg_dump`/`pg_restore` in their custom format, when they
are installed. docs/operations.md says when to use which.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from townhall.errors import Conflict, InvalidInput

# Tables that hold nothing an operator wrote: an otherwise empty database may be replaced.
BOOKKEEPING = {"alembic_version", "sites"}


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    comments: int


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("An in-memory database cannot be backed up; set a data directory.")
    return Path(database)


def _count_comments(conn: sqlite3.Connection) -> int:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='comments'")
    if found.fetchone() is None:
        return 0
    return int(conn.execute("SELECT count(*) FROM comments").fetchone()[0])


def _check_integrity(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()
    if result != ("ok",):
        raise InvalidInput(f"{what} fails SQLite's integrity check: {result[0]}.")


def backup(url: str, target: Path) -> BackupReport:
    """Writes a backup of the database at `url` to `target` (a new file)."""
    if target.exists():
        raise Conflict(f"{target} already exists; choose a new file name or remove it first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        return _backup_sqlite(_sqlite_path(url), target)
    if url.startswith("postgresql"):
        return _backup_postgresql(url, target)
    raise InvalidInput(f"Backups support SQLite and PostgreSQL; the database URL is {url!r}.")


def _backup_sqlite(source: Path, target: Path) -> BackupReport:
    if not source.is_file():
        raise InvalidInput(f"There is no database at {source}; check the data directory.")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # one step: see the module's docstring
        # A single file that needs no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(dst, "The backup")
        comments = _count_comments(dst)
    except BaseException:
        dst.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return BackupReport(target, target.stat().st_size, comments)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(
            f"PostgreSQL backups use {name}, which is not on PATH; install the PostgreSQL"
            f" client tools (Debian: apt install postgresql-client) or run {name} yourself"
            " (see docs/operations.md)."
        )
    return found


def _libpq_url(url: str) -> str:
    # SQLAlchemy's driver suffix ("postgresql+psycopg://") means nothing to libpq.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _backup_postgresql(url: str, target: Path) -> BackupReport:
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)]
    subprocess.run([*command, _libpq_url(url)], check=True)  # noqa: S603 - our own arguments
    return BackupReport(target, target.stat().st_size, -1)


def restore(url: str, source: Path, *, force: bool = False) -> BackupReport:
    """Replaces the database at `url` with the backup `source`. Refuses to overwrite a
    database that holds anything unless `force` is set. Stop the server first."""
    if not source.is_file():
        raise InvalidInput(f"There is no backup file {source}; check the path.")
    if url.startswith("sqlite"):
        return _restore_sqlite(source, _sqlite_path(url), force=force)
    if url.startswith("postgresql"):
        return _restore_postgresql(url, source, force=force)
    raise InvalidInput(f"Restores support SQLite and PostgreSQL; the database URL is {url!r}.")


def _holds_data(conn: sqlite3.Connection) -> bool:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        if table in BOOKKEEPING:
            continue
        if conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():  # noqa: S608
            return True
    return False


def _restore_sqlite(source: Path, target: Path, *, force: bool) -> BackupReport:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            _check_integrity(src, f"The backup {source}")
            has_schema = src.execute(
                "SELECT 1 FROM sqlite_master WHERE name='alembic_version'"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise InvalidInput(f"{source} is not a Townhall SQLite backup ({error}).") from None
        if not has_schema:
            raise InvalidInput(f"{source} is not a Townhall backup: it has no schema version.")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            if _holds_data(dst) and not force:
                raise Conflict(
                    f"The database {target} already holds data; restoring would replace it."
                    " Back it up, then run restore again with --force."
                )
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            comments = _count_comments(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return BackupReport(target, target.stat().st_size, comments)


def _restore_postgresql(url: str, source: Path, *, force: bool) -> BackupReport:
    libpq = _libpq_url(url)
    if not force:
        psql = _tool("psql")
        query = (
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema = current_schema()"
            " AND table_name <> 'alembic_version'"
        )
        answer = subprocess.run(  # noqa: S603 - our own arguments
            [psql, "--tuples-only", "--no-align", "--command", query, libpq],
            check=True,
            capture_output=True,
            text=True,
        )
        if int(answer.stdout.strip() or 0) > 0:
            raise Conflict(
                "The PostgreSQL database already has Townhall tables; restoring would replace"
                " them. Back it up, then run restore again with --force."
            )
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--dbname", libpq]
    subprocess.run([*command, str(source)], check=True)  # noqa: S603 - our own arguments
    return BackupReport(source, source.stat().st_size, -1)
