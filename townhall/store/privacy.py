"""Personal data at rest (issue #5): the address-hash key and the retention purge."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from townhall.store.schema import comment_checks, comments, server_secrets

IP_HASH_KEY = "ip_hash"


def ip_hash_key(conn: Connection) -> str:
    value = conn.execute(
        select(server_secrets.c.value).where(server_secrets.c.name == IP_HASH_KEY)
    ).scalar_one_or_none()
    if value is None:
        raise RuntimeError("The database has no IP hash key; run `townhall migrate`.")
    return str(value)


def purge_addresses(conn: Connection, before: int) -> int:
    """Clears the address hash of comments, and the network hash of their checks, made
    before ``before`` (ms)."""
    purged = conn.execute(
        update(comments)
        .where(comments.c.created_at < before, comments.c.remote_addr.is_not(None))
        .values(remote_addr=None)
    ).rowcount
    purged += conn.execute(
        update(comment_checks)
        .where(comment_checks.c.created_at < before, comment_checks.c.network.is_not(None))
        .values(network=None)
    ).rowcount
    return int(purged)
