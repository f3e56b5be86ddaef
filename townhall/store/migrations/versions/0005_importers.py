"""importers: import_keys, one row per imported source record (issue #6)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_keys",
        sa.Column("site_id", Id, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("comment_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_import_keys_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_import_keys_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "source", "source_id", name=op.f("pk_import_keys")),
    )
    op.create_index("ix_import_keys_comment_id", "import_keys", ["comment_id"])


def downgrade() -> None:
    op.drop_index("ix_import_keys_comment_id", table_name="import_keys")
    op.drop_table("import_keys")
