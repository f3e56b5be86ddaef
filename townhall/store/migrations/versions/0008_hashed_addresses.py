"""privacy (issue #5): IP addresses only as keyed hashes. A generated HMAC key is kept in
server_secrets; addresses already stored in comments.remote_addr and networks in
comment_checks.network are replaced by their HMAC-SHA256 (the same function as
townhall.domain.addresses.keyed_hash). An ``ip_hash_secret`` setting, handed over by
``townhall migrate`` and the app, is used instead of the generated key.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000


def _hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _rehash(conn: sa.Connection, table: sa.Table, pk: str, column: str, key: bytes) -> None:
    last = None
    while True:
        query = sa.select(table.c[pk], table.c[column]).where(table.c[column].is_not(None))
        if last is not None:
            query = query.where(table.c[pk] > last)
        rows = conn.execute(query.order_by(table.c[pk]).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(
            table.update()
            .where(table.c[pk] == sa.bindparam("b_pk"))
            .values({column: sa.bindparam("b_value")}),
            [{"b_pk": row[0], "b_value": _hash(key, str(row[1]))} for row in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    secrets_table = op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    generated = secrets.token_hex(32)
    op.bulk_insert(
        secrets_table,
        [{"name": "ip_hash", "value": generated, "created_at": int(time.time() * 1000)}],
    )
    configured = context.config.attributes.get("ip_hash_secret") or ""
    key = (configured or generated).encode()
    conn = op.get_bind()
    meta = sa.MetaData()
    comments = sa.Table(
        "comments", meta, sa.Column("id", sa.Integer), sa.Column("remote_addr", sa.String(64))
    )
    checks = sa.Table(
        "comment_checks",
        meta,
        sa.Column("comment_id", sa.Integer),
        sa.Column("network", sa.String(64)),
    )
    _rehash(conn, comments, "id", "remote_addr", key)
    _rehash(conn, checks, "comment_id", "network", key)


def downgrade() -> None:
    # The addresses cannot come back from their hashes; only the key table goes.
    op.drop_table("server_secrets")
