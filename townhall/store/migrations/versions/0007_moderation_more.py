"""moderation, continued (issue #3): featured comments, moderator edits and revisions, held
vs pending, illegal-content notices, moderator notes on users, per-site roles and settings

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("featured_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("moderator_note", sa.String(length=1000), nullable=True))
    with op.batch_alter_table("comment_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.Text(), server_default="{}", nullable=False))

    op.create_table(
        "comment_revisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("editor_id", ID, nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_revisions_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_revisions")),
    )
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_revisions_comment", ["comment_id", "created_at"], unique=False
        )

    op.create_table(
        "dsa_notices",
        sa.Column("id", ID, nullable=False),
        sa.Column("site_id", ID, nullable=False),
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("reporter_id", ID, nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_email", sa.String(length=320), nullable=False),
        sa.Column("good_faith", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", ID, nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_dsa_notices_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_dsa_notices_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_notices")),
    )
    with op.batch_alter_table("dsa_notices", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_notices_comment", ["comment_id"], unique=False)
        batch_op.create_index(
            "ix_dsa_notices_open", ["site_id", "decided_at", "created_at"], unique=False
        )

    op.create_table(
        "user_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("site_id", ID, nullable=True),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notes")),
    )
    with op.batch_alter_table("user_notes", schema=None) as batch_op:
        batch_op.create_index("ix_user_notes_user", ["user_id", "created_at"], unique=False)

    op.create_table(
        "site_roles",
        sa.Column("site_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_roles_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_site_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "user_id", name=op.f("pk_site_roles")),
    )
    with op.batch_alter_table("site_roles", schema=None) as batch_op:
        batch_op.create_index("ix_site_roles_user", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_site_roles_user")
    op.drop_table("site_roles")
    with op.batch_alter_table("user_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_user_notes_user")
    op.drop_table("user_notes")
    with op.batch_alter_table("dsa_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_notices_open")
        batch_op.drop_index("ix_dsa_notices_comment")
    op.drop_table("dsa_notices")
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_revisions_comment")
    op.drop_table("comment_revisions")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("settings")
    with op.batch_alter_table("comment_checks", schema=None) as batch_op:
        batch_op.drop_column("held_by")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("moderator_note")
        batch_op.drop_column("featured_at")
