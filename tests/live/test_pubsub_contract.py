"""PubSub: numbering, backlog and delivery behave the same in memory and through Redis."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from tests.live.conftest import KINDS
from townhall.live import Message, PubSub
from townhall.live.memory import MemoryPubSub
from townhall.live.redis import RedisPubSub


@pytest.fixture(params=KINDS)
def pubsub(request: pytest.FixtureRequest) -> Iterator[PubSub]:
    if request.param == "memory":
        made: PubSub = MemoryPubSub(backlog=3)
    else:
        client, prefix = request.getfixturevalue("redis_client")
        made = RedisPubSub(client, prefix=prefix + ":", backlog=3)
    yield made
    made.close()


def test_messages_are_numbered_per_channel_and_delivered_to_listeners(pubsub: PubSub) -> None:
    received: queue.Queue[Message] = queue.Queue()
    pubsub.listen(received.put)
    assert pubsub.last_id("thread-a") == 0
    assert pubsub.publish("thread-a", b'{"type": "new"}') == 1
    assert pubsub.publish("thread-b", b"other") == 1
    assert pubsub.publish("thread-a", b"second") == 2
    got = [received.get(timeout=5) for _ in range(3)]
    assert [(m.channel, m.id, m.data) for m in got] == [
        ("thread-a", 1, b'{"type": "new"}'),
        ("thread-b", 1, b"other"),
        ("thread-a", 2, b"second"),
    ]
    assert pubsub.last_id("thread-a") == 2


def test_a_reconnecting_reader_gets_what_it_missed_or_is_told_to_reload(pubsub: PubSub) -> None:
    for n in range(1, 6):
        pubsub.publish("thread", b"m%d" % n)
    # The backlog keeps the last 3 (ids 3, 4, 5).
    assert [m.id for m in pubsub.since("thread", 2) or []] == [3, 4, 5]
    assert [m.data for m in pubsub.since("thread", 4) or []] == [b"m5"]
    assert pubsub.since("thread", 5) == []
    assert pubsub.since("thread", 1) is None  # message 2 is gone
    assert pubsub.since("thread", 9) is None  # an id this channel never had
    assert pubsub.since("quiet", 0) == []
