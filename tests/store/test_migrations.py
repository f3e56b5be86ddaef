"""The migrations build exactly the tables schema.py describes (alembic check)."""

from __future__ import annotations

from townhall.store.migrate import check, upgrade


def test_migrations_match_the_schema(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    check(empty_database_url)
