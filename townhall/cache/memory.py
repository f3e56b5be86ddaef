"""The cache of a single node: a bounded dictionary with expiry times."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_ENTRIES = 10_000
# How often a write also drops every expired entry. A thread page cached under an old
# version is never read again, so expiring on read alone kept it until 10,000 newer
# entries pushed it out: up to 10,000 rendered pages held for nothing (#8).
SWEEP_SECONDS = 10.0


class MemoryCache:
    def __init__(
        self, max_entries: int = MAX_ENTRIES, sweep_seconds: float = SWEEP_SECONDS
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes | int]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._sweep_seconds = sweep_seconds
        self._next_sweep = time.monotonic() + sweep_seconds

    def __len__(self) -> int:
        """Entries held, expired ones not swept yet included."""
        with self._lock:
            return len(self._entries)

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

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self._sweep_seconds
        for gone in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[gone]

    def _put(self, key: str, value: bytes | int, ttl: int) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        self._entries[key] = (now + ttl, value)
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
