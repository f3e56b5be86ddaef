"""townhall import FORMAT FILE --site SITE | townhall export --site SITE"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from townhall.domain import sites
from townhall.domain.services import Services
from townhall.errors import InvalidInput
from townhall.importers import native
from townhall.importers.formats import FORMATS, reader
from townhall.importers.writer import Importer, ImportReport, UrlMap
from townhall.settings import Settings
from townhall.store.migrate import upgrade


def _services(args: argparse.Namespace) -> Services:
    services = Services.build(Settings.load(args.config))
    upgrade(services.db.url)
    sites.ensure_default_site(services)
    return services


def cmd_import(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    path = Path(args.file)
    if not path.is_file():
        raise InvalidInput(f"There is no file {str(path)!r}; check the path.")
    read = reader(args.format)
    map_url = UrlMap(args.map_url or [])
    services = _services(args)
    console = Console(stderr=True)
    started = time.monotonic()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        disable=args.quiet,
    )
    task = progress.add_task(f"{args.format} {path.name}", total=path.stat().st_size, counts="")

    def on_batch(report: ImportReport) -> None:
        rate = report.comments / max(time.monotonic() - started, 1e-6)
        progress.update(task, counts=_counts(report) + f" · {rate:,.0f} comments/s")

    try:
        importer = Importer(
            services, site=args.site, source=args.format, map_url=map_url, strict=args.strict,
            batch_size=args.batch_size, on_batch=on_batch,
        )  # fmt: skip
        with progress:
            report = importer.run(read(path, lambda pos: progress.update(task, completed=pos)))
    finally:
        services.close()
    elapsed = time.monotonic() - started
    for problem in report.problems:
        console.print(f"[yellow]warning:[/] {problem}", highlight=False, markup=True)
    hidden = report.skipped + report.orphans - len(report.problems)
    if hidden > 0:
        console.print(f"... and {hidden} more warnings.")
    print(
        f"Imported {report.comments:,} comments in {elapsed:.1f} s"
        f" ({report.comments / max(elapsed, 1e-6):,.0f}/s): {_counts(report)}.",
        flush=True,
    )
    return 0


def _counts(report: ImportReport) -> str:
    return (
        f"{report.comments:,} new, {report.already:,} already there,"
        f" {report.skipped:,} skipped, {report.orphans:,} orphaned,"
        f" {report.threads:,} threads, {report.users:,} accounts"
    )


def cmd_export(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        if args.output in (None, "-"):
            count = native.export(services, args.site, sys.stdout.buffer)
            sys.stdout.flush()
        else:
            with open(args.output, "wb") as out:
                count = native.export(services, args.site, out)
    finally:
        services.close()
    print(f"Exported {count:,} comments of site {args.site!r}.", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import", help="import comments from another system")
    imp.add_argument("format", choices=sorted(FORMATS))
    imp.add_argument("file")
    imp.add_argument("--site", default="default", help="site slug (default: default)")
    imp.add_argument(
        "--map-url",
        action="append",
        metavar="OLD=NEW",
        help="rewrite URLs starting with OLD to start with NEW (repeatable)",
    )
    imp.add_argument("--strict", action="store_true", help="stop at the first bad record")
    imp.add_argument("--batch-size", type=int, default=2000, help=argparse.SUPPRESS)
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export a site's comments as JSON lines")
    exp.add_argument("--site", default="default")
    exp.add_argument("--output", "-o", help="file to write (default: standard output)")
    exp.set_defaults(func=cmd_export)
