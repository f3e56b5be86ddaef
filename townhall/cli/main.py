"""townhall serve | migrate | users create | users role | backup | restore | version"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import getpass
import os
import subprocess
import sys
from typing import Any

import townhall
from townhall.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(args.config)


def cmd_serve(args: argparse.Namespace) -> int:
    # Worker processes rebuild settings from the environment, so pass choices down that way.
    if args.config:
        os.environ["TOWNHALL_CONFIG"] = args.config
    if args.demo:
        os.environ["TOWNHALL_DEMO"] = "true"
    settings = Settings.load()
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Townhall {townhall.__version__} on http://{host}:{port}/", flush=True)
    if args.workers > 1 and not settings.redis_url:
        print(workers_without_redis(args.workers), file=sys.stderr, flush=True)
    _cap_malloc_arenas()
    # In a process of its own, so the workers (and this process) never load Alembic (#7).
    migrated = subprocess.run(  # noqa: S603 - this interpreter, our own command
        [sys.executable, "-m", "townhall", "migrate"], stdout=subprocess.DEVNULL, check=False
    )
    if migrated.returncode != 0:
        print("error: could not migrate the database (see above)", file=sys.stderr, flush=True)
        return 1
    if args.server == "granian":
        _serve_granian(host, port, args.workers, str(settings.log_level))
    else:
        _serve_uvicorn(host, port, args.workers, str(settings.log_level))
    return 0


APP = "townhall.app:app_for_serve"
# Live-update streams never end by themselves; don't let them hold a restart (seconds).
SHUTDOWN_GRACE = 5


def _serve_granian(host: str, port: int, workers: int, log_level: str) -> None:
    """Granian's HTTP layer is Rust: on a cached page, where the app's own work is a
    dictionary look-up, it answered 2.4-4.6 times uvicorn's requests (docs/benchmarks.md)."""
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels

    _preload_for_fork()
    Granian(
        APP,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        loop=Loops.uvloop,
        websockets=False,
        log_level=LogLevels(log_level.lower()),
        workers_kill_timeout=SHUTDOWN_GRACE,
    ).serve()


def _preload_for_fork() -> None:
    """Granian forks its workers from this process (multiprocessing's default on Linux): what
    is loaded here before the fork, the app's modules and the moderation models' arrays, the
    workers share page by page until one of them writes there. Freezing the garbage
    collector's view of these objects keeps its passes from writing to (and so copying) their
    pages. Each worker still builds its own app (database pool, threads) after the fork.
    Measured in docs/benchmarks.md (#7): about 50 MB less proportional memory per worker."""
    import gc

    import townhall.app  # noqa: F401 - loaded for the workers to inherit
    from townhall.moderation.classifier import language_guesser, shipped_model

    shipped_model()
    language_guesser()
    gc.collect()
    gc.freeze()


def _serve_uvicorn(host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn

    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
        # Off, as granian's is: its lines carry each reader's raw address, which Townhall
        # itself never stores (docs/privacy.md); the reverse proxy's log is the place for it.
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def _cap_malloc_arenas() -> None:
    """glibc gives each thread that allocates alongside another an arena of its own, and the
    server's thread pool keeps many, each holding freed memory: resident memory crept up 27%
    in a 5-minute soak (docs/operations.md). Two arenas keep it flat. Worker processes read
    the variable at start; this process is capped through mallopt. An operator's own
    MALLOC_ARENA_MAX wins."""
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, int(os.environ["MALLOC_ARENA_MAX"]))  # -8 is M_ARENA_MAX
    except (OSError, AttributeError, ValueError):
        pass  # not glibc (musl, macOS): nothing to cap


def workers_without_redis(workers: int) -> str:
    # Each worker is a process of its own; without Redis nothing joins them up (#4).
    return (
        f"warning: {workers} workers and no TOWNHALL_REDIS_URL: each worker keeps its own live"
        " updates, page cache and rate limits, so a reader connected to one worker misses"
        " comments posted through another, and may be shown a page another worker's write"
        " made stale until it expires. Set TOWNHALL_REDIS_URL (docs/deployment.md), or run"
        " --workers 1."
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    from townhall.store.engine import Database
    from townhall.store.migrate import upgrade

    url = _settings(args).resolved_database_url
    Database(url).dispose()  # creates the data folder for SQLite
    upgrade(url, ip_hash_secret=str(_settings(args).ip_hash_secret))
    print("Database is up to date.")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from townhall.domain import accounts
    from townhall.domain.services import Services
    from townhall.store.migrate import upgrade

    password = args.password or os.environ.get("TOWNHALL_NEW_PASSWORD")
    if not password:
        password = getpass.getpass("Password: ")
    role = "admin" if args.admin else ("moderator" if args.moderator else "reader")
    if args.site and role == "moderator":
        role = "reader"  # a moderator of that site only, through site_roles
    services = Services.build(_settings(args))
    try:
        upgrade(services.db.url)
        user = accounts.create_user(
            services, email=args.email, password=password, name=args.name or args.email, role=role
        )
        print(f"Created {user['role']} {user['email']} (id {user['id']}).")
        if args.site and args.moderator:
            _grant(services, user["email"], "moderator", args.site)
    finally:
        services.db.dispose()  # a command line run leaves no connection behind
    return 0


def _grant(services: Any, email: str, role: str | None, site: str) -> None:
    from townhall.domain import staff

    staff.set_site_role(services, user=None, email=email, site=site, role=role, trusted=True)
    print(f"{email} is {'a ' + role if role else 'no longer staff'} on site {site}.")


def cmd_users_role(args: argparse.Namespace) -> int:
    """A global role (reader, moderator, admin), or with --site a role on one site only."""
    from townhall.domain import accounts
    from townhall.domain.services import Services
    from townhall.store.migrate import upgrade

    if args.site and args.role not in ("moderator", "reader"):
        raise SystemExit("With --site, the role is moderator (or reader to take it back).")
    services = Services.build(_settings(args))
    try:
        upgrade(services.db.url)
        if args.site:
            _grant(services, args.email, None if args.role == "reader" else args.role, args.site)
            return 0
        user = accounts.set_role(services, args.email, args.role)
        print(f"{user['email']} is now {user['role']} on every site.")
        return 0
    finally:
        services.db.dispose()


def cmd_purge_ips(args: argparse.Namespace) -> int:
    """What the server does every hour (#5), for cron or a one-off after lowering the
    retention."""
    from townhall.domain import addresses
    from townhall.domain.services import Services
    from townhall.store.migrate import upgrade

    settings = _settings(args)
    services = Services.build(settings)
    try:
        upgrade(services.db.url, ip_hash_secret=str(settings.ip_hash_secret))
        purged = addresses.purge(services)
    finally:
        services.close()
    days = int(settings.ip_retention_days)
    print(f"Cleared {purged} address hashes older than {days} days.")
    return 0


def cmd_version(_args: argparse.Namespace) -> int:
    print(f"townhall {townhall.__version__}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="townhall", description=__doc__)
    root.add_argument("--config", help="TOML settings file (or TOWNHALL_CONFIG)")
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--server",
        choices=("granian", "uvicorn"),
        default="granian",
        help="the HTTP server (granian: faster, measured in docs/benchmarks.md)",
    )
    serve.add_argument("--demo", action="store_true", help="serve the demo article at /")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="create or upgrade the database")
    migrate.set_defaults(func=cmd_migrate)

    users = sub.add_parser("users", help="manage accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create an account")
    create.add_argument("email")
    create.add_argument("--name")
    create.add_argument("--password", help="or TOWNHALL_NEW_PASSWORD, or asked for")
    create.add_argument("--admin", action="store_true")
    create.add_argument("--moderator", action="store_true")
    create.add_argument("--site", help="with --moderator: moderator of this site only (slug)")
    create.set_defaults(func=cmd_users_create)
    role = users_sub.add_parser("role", help="set an account's role, globally or on one site")
    role.add_argument("email")
    role.add_argument("role", choices=("reader", "moderator", "admin"))
    role.add_argument("--site", help="moderator of this site only; reader takes it back")
    role.set_defaults(func=cmd_users_role)

    from townhall.cli import imports  # importers (#6)

    imports.add_parsers(sub)

    from townhall.cli import backups  # hardening (#8)

    backups.add_parsers(sub)

    from townhall.cli import oidc  # identity (#5): OpenID Connect sign-in providers

    oidc.add_parsers(sub)

    from townhall.cli import notify  # identity (#5): the batched reply mail

    notify.add_parsers(sub)

    from townhall.cli import webhooks  # identity (#5): a site's webhooks

    webhooks.add_parsers(sub)

    purge = sub.add_parser("purge-ips", help="clear address hashes past ip_retention_days")
    purge.set_defaults(func=cmd_purge_ips)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=cmd_version)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except Exception as exc:
        from townhall.errors import TownhallError

        if isinstance(exc, TownhallError):
            print(f"error: {exc.detail}", file=sys.stderr)
            return 2
        raise
