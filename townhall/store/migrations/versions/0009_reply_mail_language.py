"""identity (issue #5): the language a reader's reply mail is written in, taken when they
turn the mail on (the comment box's language, else their Accept-Language). Empty for rows
from before: those mails keep the server's ``language`` setting.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_prefs") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_prefs") as batch:
        batch.drop_column("language")
