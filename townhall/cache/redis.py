"""The cache shared by all nodes, in Redis: a write on one node invalidates for all."""

from __future__ import annotations

from typing import Any


class RedisCache:
    def __init__(self, client: Any, prefix: str) -> None:
        self._redis = client
        self._prefix = prefix

    def get(self, key: str) -> bytes | None:
        value = self._redis.get(self._prefix + key)
        return bytes(value) if value is not None else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._redis.set(self._prefix + key, value, ex=ttl)

    def incr(self, key: str, ttl: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, ttl)
        count, _ = pipe.execute()
        return int(count)

    def get_int(self, key: str) -> int:
        value = self._redis.get(self._prefix + key)
        return int(value) if value is not None else 0

    def close(self) -> None:
        """The Redis client is shared and closed by its owner."""
