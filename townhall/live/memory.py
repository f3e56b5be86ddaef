"""Live messages within one process."""

from __future__ import annotations

import logging
import threading
from collections import deque

from townhall.live import Handler, Message

log = logging.getLogger("townhall.live")


class MemoryPubSub:
    def __init__(self, backlog: int = 500) -> None:
        self._backlog = backlog
        self._lock = threading.Lock()
        self._last: dict[str, int] = {}
        self._log: dict[str, deque[Message]] = {}
        self._handlers: list[Handler] = []

    def publish(self, channel: str, data: bytes) -> int:
        with self._lock:
            message = Message(channel, self._last.get(channel, 0) + 1, data)
            self._last[channel] = message.id
            self._log.setdefault(channel, deque(maxlen=self._backlog)).append(message)
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(message)
            except Exception:
                log.exception("live handler failed")
        return message.id

    def last_id(self, channel: str) -> int:
        with self._lock:
            return self._last.get(channel, 0)

    def since(self, channel: str, last_id: int) -> list[Message] | None:
        with self._lock:
            current = self._last.get(channel, 0)
            kept = list(self._log.get(channel, ()))
        return _after(kept, current, last_id)

    def listen(self, handler: Handler) -> None:
        with self._lock:
            self._handlers.append(handler)

    def close(self) -> None:
        with self._lock:
            self._handlers.clear()


def _after(kept: list[Message], current: int, last_id: int) -> list[Message] | None:
    if last_id > current or last_id < 0:
        return None  # an id from before a restart or from elsewhere
    if last_id == current:
        return []
    if not kept or kept[0].id > last_id + 1:
        return None  # the backlog has moved past what the reader missed
    return [m for m in kept if m.id > last_id]
