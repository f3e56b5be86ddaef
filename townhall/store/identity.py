"""Identity rows: one-time email tokens, verified addresses, SSO keys, linked identities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from townhall.store.schema import email_tokens, external_identities, sessions, sso_keys, users

# --- email tokens --------------------------------------------------------------------------


def create_email_token(
    conn: Connection,
    *,
    token_hash: str,
    user_id: int,
    purpose: str,
    email: str,
    now: int,
    expires_at: int,
) -> None:
    conn.execute(
        insert(email_tokens).values(
            token_hash=token_hash,
            user_id=user_id,
            purpose=purpose,
            email=email,
            created_at=now,
            expires_at=expires_at,
        )
    )


def email_token(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    query = select(email_tokens).where(email_tokens.c.token_hash == token_hash)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def use_email_token(conn: Connection, token_id: int, now: int) -> bool:
    """Marks the token used; False when another request used it first."""
    result = conn.execute(
        update(email_tokens)
        .where(email_tokens.c.id == token_id, email_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def retire_email_tokens(conn: Connection, user_id: int, purpose: str, now: int) -> None:
    """A new link of a kind retires the older unused ones: only the latest mail works."""
    conn.execute(
        update(email_tokens)
        .where(
            email_tokens.c.user_id == user_id,
            email_tokens.c.purpose == purpose,
            email_tokens.c.used_at.is_(None),
        )
        .values(used_at=now)
    )


def mark_email_verified(conn: Connection, user_id: int, now: int) -> None:
    conn.execute(
        update(users)
        .where(users.c.id == user_id, users.c.email_verified_at.is_(None))
        .values(email_verified_at=now)
    )


def set_profile(conn: Connection, user_id: int, *, email: str, name: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(email=email, name=name))


# --- sessions ------------------------------------------------------------------------------


def revoke_other_sessions(conn: Connection, user_id: int, keep_token_hash: str | None) -> int:
    query = delete(sessions).where(sessions.c.user_id == user_id)
    if keep_token_hash is not None:
        query = query.where(sessions.c.token_hash != keep_token_hash)
    return int(conn.execute(query).rowcount)


def sessions_of(conn: Connection, user_id: int, now: int) -> list[dict[str, Any]]:
    query = (
        select(
            sessions.c.id,
            sessions.c.token_hash,
            sessions.c.created_at,
            sessions.c.expires_at,
            sessions.c.user_agent,
        )
        .where(sessions.c.user_id == user_id, sessions.c.expires_at > now)
        .order_by(sessions.c.created_at.desc(), sessions.c.id.desc())
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def revoke_session(conn: Connection, user_id: int, session_id: int) -> bool:
    query = delete(sessions).where(sessions.c.user_id == user_id, sessions.c.id == session_id)
    return conn.execute(query).rowcount == 1


# --- SSO keys ------------------------------------------------------------------------------


def add_sso_key(
    conn: Connection, *, site_id: int, algorithm: str, key: str, now: int, retire_others_at: int
) -> None:
    conn.execute(
        update(sso_keys)
        .where(
            sso_keys.c.site_id == site_id,
            or_(sso_keys.c.expires_at.is_(None), sso_keys.c.expires_at > retire_others_at),
        )
        .values(expires_at=retire_others_at)
    )
    conn.execute(
        insert(sso_keys).values(site_id=site_id, algorithm=algorithm, key=key, created_at=now)
    )


def live_sso_keys(conn: Connection, site_id: int, now: int) -> list[dict[str, Any]]:
    query = (
        select(sso_keys)
        .where(
            sso_keys.c.site_id == site_id,
            or_(sso_keys.c.expires_at.is_(None), sso_keys.c.expires_at > now),
        )
        .order_by(sso_keys.c.id.desc())
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# --- linked identities ---------------------------------------------------------------------


def identity(conn: Connection, site_id: int, provider: str, subject: str) -> dict[str, Any] | None:
    query = select(external_identities).where(
        external_identities.c.site_id == site_id,
        external_identities.c.provider == provider,
        external_identities.c.subject == subject,
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def identities_of(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    query = select(external_identities).where(external_identities.c.user_id == user_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def link_identity(
    conn: Connection,
    *,
    site_id: int,
    provider: str,
    subject: str,
    user_id: int,
    profile: str,
    synced_iat: int,
    now: int,
) -> None:
    conn.execute(
        insert(external_identities).values(
            site_id=site_id,
            provider=provider,
            subject=subject,
            user_id=user_id,
            profile=profile,
            synced_iat=synced_iat,
            created_at=now,
        )
    )


def resync_identity(conn: Connection, identity_id: int, *, profile: str, synced_iat: int) -> None:
    conn.execute(
        update(external_identities)
        .where(external_identities.c.id == identity_id)
        .values(profile=profile, synced_iat=synced_iat)
    )
