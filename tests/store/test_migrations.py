"""The migrations build exactly the tables schema.py describes (alembic check)."""

from __future__ import annotations

from townhall.store.migrate import check, upgrade


def test_migrations_match_the_schema(database_url: str) -> None:
    upgrade(database_url)
    check(database_url)
