"""OpenID Connect rows: a site's providers, and sign-ins on their way through one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from townhall.store.schema import oidc_providers, oidc_states


def add_provider(
    conn: Connection,
    *,
    site_id: int,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    scope: str,
    now: int,
) -> dict[str, Any]:
    result = conn.execute(
        insert(oidc_providers).values(
            site_id=site_id,
            name=name,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            created_at=now,
        )
    )
    found = provider(conn, int(result.inserted_primary_key[0]))
    assert found is not None  # noqa: S101 - inserted in this transaction
    return found


def provider(conn: Connection, provider_id: int) -> dict[str, Any] | None:
    query = select(oidc_providers).where(oidc_providers.c.id == provider_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def providers_of(conn: Connection, site_id: int) -> list[dict[str, Any]]:
    query = (
        select(oidc_providers)
        .where(oidc_providers.c.site_id == site_id)
        .order_by(oidc_providers.c.name, oidc_providers.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def remove_provider(conn: Connection, site_id: int, provider_id: int) -> bool:
    query = delete(oidc_providers).where(
        oidc_providers.c.site_id == site_id, oidc_providers.c.id == provider_id
    )
    return conn.execute(query).rowcount == 1


def save_state(
    conn: Connection,
    *,
    state: str,
    provider_id: int,
    code_verifier: str,
    nonce: str,
    return_to: str | None,
    expires_at: int,
) -> None:
    conn.execute(
        insert(oidc_states).values(
            state=state,
            provider_id=provider_id,
            code_verifier=code_verifier,
            nonce=nonce,
            return_to=return_to,
            expires_at=expires_at,
        )
    )


def take_state(conn: Connection, state: str) -> dict[str, Any] | None:
    """The state's row, deleted: of two requests carrying the same state only one gets it."""
    row = conn.execute(select(oidc_states).where(oidc_states.c.state == state)).mappings().first()
    if row is None:
        return None
    taken = conn.execute(delete(oidc_states).where(oidc_states.c.state == state)).rowcount
    return dict(row) if taken == 1 else None


def purge_states(conn: Connection, now: int) -> int:
    """Sign-ins abandoned at the provider leave a row behind; expired ones go."""
    return int(conn.execute(delete(oidc_states).where(oidc_states.c.expires_at <= now)).rowcount)
