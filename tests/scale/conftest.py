"""Two Townhall nodes on one PostgreSQL schema and one Redis, for the tests of this folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import _postgres_url, require_server
from tests.support.server import TownhallServer, free_port


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TownhallServer, TownhallServer]]:
    """Started once for the module: starting a node costs seconds."""
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TOWNHALL_TEST_REDIS_URL", "")
    if not base.startswith("postgresql") or not redis_url:
        pytest.skip(
            "the multi-node tests need TOWNHALL_TEST_DATABASE_URL (PostgreSQL) and"
            " TOWNHALL_TEST_REDIS_URL; scripts/test sets both in its PostgreSQL + Redis pass"
        )
    require_server(base, "PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
    require_server(redis_url, "Redis (TOWNHALL_TEST_REDIS_URL)")
    schema = _postgres_url(base)
    database_url = next(schema)
    tmp_path = tmp_path_factory.mktemp("nodes")
    prefix = "mn-" + uuid.uuid4().hex[:10]
    env = {
        "TOWNHALL_DATABASE_URL": database_url,
        "TOWNHALL_REDIS_URL": redis_url,
        "TOWNHALL_REDIS_PREFIX": prefix,
        "TOWNHALL_RATE_LIMITS_ENABLED": "true",
        "TOWNHALL_RATE_LIMIT_POST": "3/minute",
        "TOWNHALL_SITE_ORIGINS": "https://news.example.org",
        "TOWNHALL_LOG_LEVEL": "warning",
    }
    started: list[TownhallServer] = []
    try:
        for name in ("a", "b"):  # one after the other: the first one migrates
            node = TownhallServer(tmp_path / name, free_port(), env, serve_args=())
            node.start()
            started.append(node)
        yield started[0], started[1]
    finally:
        for node in started:
            node.stop()
        schema.close()  # drops the schema
        _forget(redis_url, prefix)


def _forget(redis_url: str, prefix: str) -> None:
    """The nodes' Redis keys (live backlogs, limits, cached pages) go with the test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
    finally:
        client.close()
