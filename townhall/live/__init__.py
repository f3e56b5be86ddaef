"""Live updates between nodes: numbered messages per channel (one channel per thread),
a short backlog per channel for readers who reconnect, and delivery to every node.

``MemoryPubSub`` serves one process; ``RedisPubSub`` fans out between nodes. Both pass
the same contract test (tests/live/test_pubsub_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from townhall.settings import Settings


@dataclass(frozen=True)
class Message:
    channel: str
    id: int
    data: bytes


Handler = Callable[[Message], None]


class PubSub(Protocol):
    def publish(self, channel: str, data: bytes) -> int:
        """Number the message (1, 2, 3… per channel), keep it in the backlog, deliver it to
        every node's handlers; returns its number."""

    def last_id(self, channel: str) -> int:
        """Number of the channel's latest message; 0 before the first."""

    def since(self, channel: str, last_id: int) -> list[Message] | None:
        """Messages after ``last_id``, oldest first; None when the backlog no longer reaches
        back that far (or never knew that id), so the reader must reload instead."""

    def listen(self, handler: Handler) -> None:
        """Call ``handler`` (from any thread) for every message published on any node."""

    def close(self) -> None: ...


def build_pubsub(settings: Settings, redis_client: Any | None) -> PubSub:
    backlog = int(settings.live_backlog)
    if redis_client is None:
        from townhall.live.memory import MemoryPubSub

        return MemoryPubSub(backlog=backlog)
    from townhall.live.redis import RedisPubSub

    return RedisPubSub(redis_client, prefix=f"{settings.redis_prefix}:live:", backlog=backlog)


__all__ = ["Handler", "Message", "PubSub", "build_pubsub"]
