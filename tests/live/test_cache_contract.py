"""Cache: the memory and Redis implementations behave the same."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.live.conftest import KINDS
from townhall.cache import Cache
from townhall.cache.memory import MemoryCache
from townhall.cache.redis import RedisCache


@pytest.fixture(params=KINDS)
def cache(request: pytest.FixtureRequest) -> Iterator[Cache]:
    if request.param == "memory":
        made: Cache = MemoryCache()
    else:
        client, prefix = request.getfixturevalue("redis_client")
        made = RedisCache(client, prefix=prefix + ":")
    yield made
    made.close()


def test_values_come_back_as_stored_until_they_expire(cache: Cache) -> None:
    assert cache.get("page") is None
    cache.set("page", b'{"comments": []}', ttl=1)
    assert cache.get("page") == b'{"comments": []}'
    cache.set("page", b"newer", ttl=60)
    assert cache.get("page") == b"newer"
    cache.set("brief", b"x", ttl=1)
    time.sleep(1.1)
    assert cache.get("brief") is None


def test_counters_count_from_zero(cache: Cache) -> None:
    assert cache.get_int("version") == 0
    assert cache.incr("version", ttl=60) == 1
    assert cache.incr("version", ttl=60) == 2
    assert cache.get_int("version") == 2
    assert cache.get_int("other") == 0


def test_the_memory_cache_lets_go_of_expired_entries_nobody_reads_again() -> None:
    """Pages cached under an old thread version are never asked for again (#8)."""
    cache = MemoryCache(sweep_seconds=0)
    for n in range(100):
        cache.set(f"page:v{n}", b"x" * 1000, ttl=1)
    time.sleep(1.1)
    cache.set("page:v100", b"current", ttl=60)
    assert len(cache) == 1
    assert cache.get("page:v100") == b"current"
