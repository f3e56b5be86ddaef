"""The in-process and the Redis implementation of each interface, for contract tests.
The Redis one is collected only when TOWNHALL_TEST_REDIS_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require_server

KINDS = ["memory"] + (["redis"] if os.environ.get("TOWNHALL_TEST_REDIS_URL") else [])


@pytest.fixture
def redis_client() -> Iterator[tuple[Any, str]]:
    import redis

    url = os.environ["TOWNHALL_TEST_REDIS_URL"]
    require_server(url, "Redis (TOWNHALL_TEST_REDIS_URL)")
    client = redis.Redis.from_url(url)
    prefix = "contract-" + uuid.uuid4().hex[:10]
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()
