"""townhall notify-send: one pass of the batched reply mail (#5), for cron or a check.

The server sends reply mail on its own (a loop in its lifespan); this runs the same pass
once, safely alongside running servers: each reader's mail is claimed by one of them."""

from __future__ import annotations

import argparse

from townhall.settings import Settings


def cmd_notify_send(args: argparse.Namespace) -> int:
    from townhall.domain import reply_mail
    from townhall.domain.services import Services
    from townhall.store.migrate import upgrade

    settings = Settings.load(args.config)
    services = Services.build(settings)
    try:
        upgrade(services.db.url, ip_hash_secret=str(settings.ip_hash_secret))
        result = reply_mail.send_due(services)
    finally:
        services.close()
    print(
        f"Sent {result.mailed} reply mails ({result.replies} replies);"
        f" {result.failed} could not be sent and wait for the next pass."
    )
    return 1 if result.failed else 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser("notify-send", help="send the reply mails that are due, once")
    command.set_defaults(func=cmd_notify_send)
