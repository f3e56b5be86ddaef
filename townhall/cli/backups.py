"""townhall backup FILE | townhall restore FILE [--force]"""

from __future__ import annotations

import argparse
from pathlib import Path

from townhall.settings import Settings
from townhall.store import backup


def _url(args: argparse.Namespace) -> str:
    return Settings.load(args.config).resolved_database_url


def _size(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def cmd_backup(args: argparse.Namespace) -> int:
    report = backup.backup(_url(args), Path(args.file))
    what = f"{report.comments:,} comments" if report.comments >= 0 else "the database"
    print(f"Backed up {what} to {report.path} ({_size(report.size)}).", flush=True)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    report = backup.restore(_url(args), Path(args.file), force=args.force)
    what = f"{report.comments:,} comments" if report.comments >= 0 else "the database"
    print(f"Restored {what} from {args.file}. Start the server to use it.", flush=True)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser(
        "backup",
        help="copy the database to FILE while the server runs (docs/operations.md)",
    )
    command.add_argument("file", help="a new file: SQLite database, or pg_dump custom format")
    command.set_defaults(func=cmd_backup)

    command = sub.add_parser(
        "restore",
        help="replace the database with a backup; stop the server first",
    )
    command.add_argument("file", help="a file written by townhall backup")
    command.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    command.set_defaults(func=cmd_restore)
