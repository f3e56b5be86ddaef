"""The cache of a single node: a bounded dictionary with expiry times."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_ENTRIES = 10_000


class MemoryCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes | int]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def _live(self, key: str) -> bytes | int | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def _put(self, key: str, value: bytes | int, ttl: int) -> None:
        self._entries[key] = (time.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            self._put(key, value, ttl)

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            value = self._live(key)
            count = (value if isinstance(value, int) else 0) + 1
            self._put(key, count, ttl)
        return count

    def get_int(self, key: str) -> int:
        with self._lock:
            value = self._live(key)
        return value if isinstance(value, int) else 0

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
