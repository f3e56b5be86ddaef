"""A cache of ready-to-send bytes: in-process (one node) or Redis (shared by all nodes).

Both implementations pass the same contract test (tests/cache/test_cache_contract.py).
"""

from __future__ import annotations

from typing import Any, Protocol

from townhall.settings import Settings


class Cache(Protocol):
    def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store ``value`` for ``ttl`` seconds."""

    def incr(self, key: str, ttl: int) -> int:
        """Add one to a counter (absent counts as 0) that lives ``ttl`` seconds after its
        last increment; returns the new value."""

    def get_int(self, key: str) -> int:
        """A counter's value; 0 when absent."""

    def close(self) -> None: ...


def build_cache(settings: Settings, redis_client: Any | None) -> Cache:
    if redis_client is None:
        from townhall.cache.memory import MemoryCache

        return MemoryCache()
    from townhall.cache.redis import RedisCache

    return RedisCache(redis_client, prefix=f"{settings.redis_prefix}:cache:")


__all__ = ["Cache", "build_cache"]
