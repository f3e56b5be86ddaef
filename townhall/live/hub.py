"""One node's fan-out: every reader connected to this node for a thread gets each of the
thread's messages through its own queue, whatever thread or event loop the message
arrives on."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

from townhall.live import Message, PubSub

# A reader this far behind is cut off; its EventSource reconnects and catches up from
# the backlog, so a slow client never holds memory for everyone else's messages.
QUEUE_LIMIT = 1000


class Subscription:
    def __init__(self, channel: str, loop: asyncio.AbstractEventLoop) -> None:
        self.channel = channel
        self.loop = loop
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(QUEUE_LIMIT)

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)  # tells the stream to end


class Hub:
    def __init__(self, pubsub: PubSub) -> None:
        self.pubsub = pubsub
        self._lock = threading.Lock()
        self._channels: dict[str, set[Subscription]] = defaultdict(set)
        self._listening = False

    def subscribe(self, channel: str) -> Subscription:
        """Call from the event loop that will read the subscription's queue."""
        sub = Subscription(channel, asyncio.get_running_loop())
        with self._lock:
            self._channels[channel].add(sub)
            if not self._listening:
                self._listening = True
                self.pubsub.listen(self._on_message)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._channels.get(sub.channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._channels[sub.channel]

    def count(self, channel: str) -> int:
        with self._lock:
            return len(self._channels.get(channel, ()))

    def _on_message(self, message: Message) -> None:
        with self._lock:
            subs = list(self._channels.get(message.channel, ()))
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = defaultdict(list)
        for sub in subs:
            by_loop[sub.loop].append(sub)
        # One wake-up per event loop, not one per reader: 1,000 readers cost one call.
        for loop, group in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_offer_all, group, message)


def _offer_all(group: list[Subscription], message: Message) -> None:
    for sub in group:
        sub.offer(message)
