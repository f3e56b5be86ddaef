"""townhall oidc add | list | remove: a site's OpenID Connect sign-in providers (#5)."""

from __future__ import annotations

import argparse
import getpass
import os
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


def _callback(settings: Settings) -> str:
    from townhall.domain.oidc import CALLBACK_PATH

    public = str(settings.public_url).rstrip("/") or "https://YOUR-TOWNHALL-SERVER"
    return public + CALLBACK_PATH


def cmd_add(args: argparse.Namespace) -> int:
    from townhall.domain import oidc

    secret = os.environ.get("TOWNHALL_OIDC_CLIENT_SECRET") or getpass.getpass("Client secret: ")
    with _services(args) as services:
        added = oidc.add_provider(
            services,
            user=None,
            site=args.site,
            name=args.name,
            issuer=args.issuer,
            client_id=args.client_id,
            client_secret=secret,
            scope=args.scope,
            trusted=True,
        )
        callback = _callback(services.settings)
    print(f"Added provider {added['id']} ({added['name']}) to site {args.site}.")
    print(f"Register this redirect URI with the provider: {callback}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from townhall.domain import oidc

    with _services(args) as services:
        found = oidc.providers(services, user=None, site=args.site, trusted=True)
        callback = _callback(services.settings)
    if not found:
        print(f"Site {args.site} has no sign-in providers.")
    for provider in found:
        shown = oidc.admin_view(provider, callback)
        print(
            f"{shown['id']}\t{shown['name']}\t{shown['issuer']}\tclient {shown['client_id']}"
            f"\tsecret {shown['client_secret']}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from townhall.domain import oidc

    with _services(args) as services:
        oidc.remove_provider(
            services,
            user=None,
            site=args.site,
            provider_id=args.id,
            trusted=True,
        )
    print(f"Removed provider {args.id} from site {args.site}.")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser("oidc", help="a site's OpenID Connect sign-in providers")
    verbs = command.add_subparsers(dest="oidc_command", required=True)
    add = verbs.add_parser(
        "add", help="add a provider (the secret from TOWNHALL_OIDC_CLIENT_SECRET or asked for)"
    )
    add.add_argument("--site", default="default", help="the site's slug")
    add.add_argument("--name", required=True, help='shown as "Sign in with NAME"')
    add.add_argument("--issuer", required=True, help="e.g. https://accounts.google.com")
    add.add_argument("--client-id", required=True)
    add.add_argument("--scope", default="openid email profile")
    add.set_defaults(func=cmd_add)
    listing = verbs.add_parser("list", help="list a site's providers (secrets masked)")
    listing.add_argument("--site", default="default")
    listing.set_defaults(func=cmd_list)
    remove = verbs.add_parser("remove", help="remove a provider by its id")
    remove.add_argument("id", type=int)
    remove.add_argument("--site", default="default")
    remove.set_defaults(func=cmd_remove)
