"""Alembic, driven from code so `townhall migrate` and the app share one configuration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads", *, ip_hash_secret: str = "") -> None:
    """``ip_hash_secret``: the setting, for the migration that hashes stored addresses."""
    cfg = alembic_config(url)
    cfg.attributes["ip_hash_secret"] = ip_hash_secret
    command.upgrade(cfg, revision)


def check(url: str) -> None:
    """Raises when the tables in schema.py and the migrations disagree."""
    command.check(alembic_config(url))
