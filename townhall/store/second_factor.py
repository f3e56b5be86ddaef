"""Staff TOTP secrets and recovery codes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from townhall.store.schema import recovery_codes, totp_secrets


def totp_of(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(select(totp_secrets).where(totp_secrets.c.user_id == user_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def start_totp(conn: Connection, user_id: int, secret: str, now: int) -> None:
    """A fresh, unconfirmed secret replaces any earlier one (and its recovery codes)."""
    conn.execute(delete(totp_secrets).where(totp_secrets.c.user_id == user_id))
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    conn.execute(insert(totp_secrets).values(user_id=user_id, secret=secret, created_at=now))


def use_step(conn: Connection, user_id: int, step: int, *, confirm_at: int | None = None) -> bool:
    """Records an accepted code's time step; False when that step (or a later one) was
    already used, which is how a replayed code is refused."""
    values: dict[str, Any] = {"last_step": step}
    if confirm_at is not None:
        values["confirmed_at"] = confirm_at
    result = conn.execute(
        update(totp_secrets)
        .where(
            totp_secrets.c.user_id == user_id,
            (totp_secrets.c.last_step.is_(None)) | (totp_secrets.c.last_step < step),
        )
        .values(**values)
    )
    return result.rowcount == 1


def remove_totp(conn: Connection, user_id: int) -> None:
    conn.execute(delete(totp_secrets).where(totp_secrets.c.user_id == user_id))
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))


def replace_recovery_codes(conn: Connection, user_id: int, code_hashes: list[str]) -> None:
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    conn.execute(
        insert(recovery_codes), [{"user_id": user_id, "code_hash": h} for h in code_hashes]
    )


def use_recovery_code(conn: Connection, user_id: int, code_hash: str, now: int) -> bool:
    result = conn.execute(
        update(recovery_codes)
        .where(
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.code_hash == code_hash,
            recovery_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def recovery_codes_left(conn: Connection, user_id: int) -> int:
    query = select(recovery_codes.c.id).where(
        recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None)
    )
    return len(conn.execute(query).all())
