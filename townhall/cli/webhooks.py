"""townhall webhooks add | list | remove | log | retry: a site's webhooks (#5), the same
verbs as the dashboard's Webhooks page. docs/webhooks.md describes what receivers get."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from townhall.settings import Settings

if TYPE_CHECKING:
    from townhall.domain.services import Services


@contextmanager
def _services(args: argparse.Namespace) -> Iterator[Services]:
    from townhall.domain.services import Services
    from townhall.store.migrate import upgrade

    services = Services.build(Settings.load(args.config))
    try:
        upgrade(services.db.url)
        yield services
    finally:
        services.close()  # a command line run leaves no connection behind


def cmd_add(args: argparse.Namespace) -> int:
    from townhall.domain import webhooks

    chosen = [e.strip() for e in args.events.split(",") if e.strip()]
    with _services(args) as services:
        hook = webhooks.add_hook(
            services, user=None, site=args.site, url=args.url, chosen=chosen, trusted=True
        )
    print(f"Added webhook {hook['id']} to site {args.site}: {hook['url']}")
    print(f"Events: {', '.join(hook['events'])}")
    print(f"Secret (shown this once): {hook['secret']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from townhall.domain import webhooks

    with _services(args) as services:
        found = webhooks.list_hooks(services, user=None, site=args.site, trusted=True)
    if not found["webhooks"]:
        print(f"Site {args.site} has no webhooks.")
    for hook in found["webhooks"]:
        print(
            f"{hook['id']}\t{hook['url']}\t{','.join(hook['events'])}"
            f"\twaiting {hook['pending']}\tfailed {hook['failed']}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from townhall.domain import webhooks

    with _services(args) as services:
        webhooks.delete_hook(services, user=None, site=args.site, hook_id=args.id, trusted=True)
    print(f"Removed webhook {args.id} from site {args.site}.")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from townhall.domain import webhooks
    from townhall.domain.clock import iso

    with _services(args) as services:
        found = webhooks.delivery_log(
            services, user=None, site=args.site, hook_id=args.id, trusted=True
        )
    for row in found["deliveries"]:
        answer = row["last_error"] or (str(row["last_status"]) if row["last_status"] else "")
        print(
            f"{row['id']}\t{row['event']}\t{iso(row['created_at'])}\t{row['state']}"
            f"\tattempts {row['attempts']}\t{answer}"
        )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from townhall.domain import webhooks

    with _services(args) as services:
        webhooks.retry_now(
            services,
            user=None,
            site=args.site,
            hook_id=args.id,
            delivery_id=args.delivery,
            trusted=True,
        )
    print(f"Delivery {args.delivery} is due now; a running server sends it within seconds.")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from townhall.domain.webhooks import EVENT_TYPES

    command = sub.add_parser("webhooks", help="a site's webhooks (signed event POSTs)")
    verbs = command.add_subparsers(dest="webhooks_command", required=True)
    add = verbs.add_parser("add", help="add a webhook and print its secret, once")
    add.add_argument("url", help="http(s) URL that receives the events")
    add.add_argument(
        "--events", default=",".join(EVENT_TYPES), help="comma-separated; default: all"
    )
    add.add_argument("--site", default="default", help="the site's slug")
    add.set_defaults(func=cmd_add)
    listing = verbs.add_parser("list", help="list a site's webhooks (never their secrets)")
    listing.add_argument("--site", default="default")
    listing.set_defaults(func=cmd_list)
    remove = verbs.add_parser("remove", help="remove a webhook and its delivery log")
    remove.add_argument("id", type=int)
    remove.add_argument("--site", default="default")
    remove.set_defaults(func=cmd_remove)
    log = verbs.add_parser("log", help="a webhook's latest deliveries, newest first")
    log.add_argument("id", type=int)
    log.add_argument("--site", default="default")
    log.set_defaults(func=cmd_log)
    retry = verbs.add_parser("retry", help="send an undelivered delivery again, now")
    retry.add_argument("id", type=int, help="the webhook")
    retry.add_argument("delivery", type=int)
    retry.add_argument("--site", default="default")
    retry.set_defaults(func=cmd_retry)
