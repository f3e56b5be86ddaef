"""Live messages through Redis: a counter and a capped list per channel, and one Redis
pub/sub channel that every node listens to (one connection per node, not per reader)."""

from __future__ import annotations

import logging
import time
from typing import Any

from townhall.live import Handler, Message
from townhall.live.memory import _after

log = logging.getLogger("townhall.live")

# Atomic, so numbers are handed out and broadcast in the same order on every node.
PUBLISH = """
local id = redis.call('INCR', KEYS[1])
local entry = id .. '\\n' .. ARGV[1]
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[4] .. '\\n' .. entry)
return id
"""
# A quiet thread's numbering and backlog are forgotten after a day; a reader coming back
# later is told to reload.
KEEP_SECONDS = 86_400


class RedisPubSub:
    def __init__(self, client: Any, prefix: str, backlog: int = 500) -> None:
        self._redis = client
        self._prefix = prefix
        self._backlog = backlog
        self._broadcast = prefix + "all"
        self._script = client.register_script(PUBLISH)
        self._handlers: list[Handler] = []
        self._pubsub: Any = None
        self._thread: Any = None

    def publish(self, channel: str, data: bytes) -> int:
        keys = [self._prefix + "n:" + channel, self._prefix + "log:" + channel, self._broadcast]
        args = [data, self._backlog, KEEP_SECONDS, channel]
        return int(self._script(keys=keys, args=args))

    def last_id(self, channel: str) -> int:
        value = self._redis.get(self._prefix + "n:" + channel)
        return int(value) if value is not None else 0

    def since(self, channel: str, last_id: int) -> list[Message] | None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(self._prefix + "n:" + channel)
        pipe.lrange(self._prefix + "log:" + channel, 0, -1)
        current, entries = pipe.execute()
        kept = [_parse_entry(channel, bytes(e)) for e in entries]
        return _after(kept, int(current or 0), last_id)

    def listen(self, handler: Handler) -> None:
        self._handlers.append(handler)
        if self._thread is None:
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(**{self._broadcast: self._deliver})
            self._thread = self._pubsub.run_in_thread(
                sleep_time=0.5, daemon=True, exception_handler=_reconnect_later
            )

    def _deliver(self, raw: dict[str, Any]) -> None:
        channel, _, entry = bytes(raw["data"]).partition(b"\n")
        message = _parse_entry(channel.decode(), entry)
        for handler in list(self._handlers):
            try:
                handler(message)
            except Exception:
                log.exception("live handler failed")

    def close(self) -> None:
        self._handlers.clear()
        if self._thread is not None:
            # The worker closes its connection itself at its next wake-up (within 0.5 s).
            self._thread.stop()
            self._thread = None
            self._pubsub = None


def _parse_entry(channel: str, entry: bytes) -> Message:
    number, _, data = entry.partition(b"\n")
    return Message(channel, int(number), data)


def _reconnect_later(exc: BaseException, _pubsub: Any, _thread: Any) -> None:
    # Redis restarted or the network blinked. The next read reconnects and subscribes
    # again; readers then catch up from the backlog when their EventSource reconnects.
    log.warning("live: lost the Redis subscription (%s); retrying", exc)
    time.sleep(1.0)
