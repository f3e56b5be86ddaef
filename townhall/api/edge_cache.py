"""Anonymous thread pages and counts as ready bytes, answered at the ASGI edge (#7).

The profile of an anonymous read that hits the page cache showed most of its time in
FastAPI and Starlette (routing, dependencies, the threadpool hop, three middlewares), not
in Townhall. This app sits outside all of them: it keeps the whole answer (status, every
header the inner stack added, body) of a cacheable GET in this process and replays it, or
a 304 when the reader's If-None-Match names its ETag. Anything it has not seen, and every
request that may be signed in, falls through to the full stack unchanged.

What is cacheable is decided by the route itself: a 200 with an ETag and a ``public``
Cache-Control (``api/caching.py`` gives those only to anonymous readers). The answer is
replayed only to requests the inner stack would answer the same way: the key holds the
query string and everything the middlewares look at (Origin for CORS, the scheme for HSTS,
whether a cookie came). The 304 is not made up here either: on filling, the inner stack is
asked once more with the ETag, and its 304 is kept beside the 200.

Staleness: a write bumps the thread's version (``domain/broadcast.py``), which calls
``invalidate`` in this process at once and reaches the other nodes' edges through the
live pub/sub, whose every message names its thread. A fill that raced with a write is
not kept (a generation counter). Should a node miss a message (Redis restarting), an
entry still lives only ``EDGE_SECONDS``, the max-age browsers are told anyway.

One fill at a time per page: when a page is missing, the first request renders it and the
others asking for it meanwhile wait for that answer; when a page has only grown older than
``EDGE_SECONDS`` (no write dropped it), the others get the old copy while the first one
renders the new. Without this, every page expiring under load sent every waiting reader
through the full stack at once: bench/run saw reads' p99 at 120-660 ms against a median of
2 ms, one stampede per page every five seconds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.api.caching import etag_matches
from townhall.domain import broadcast
from townhall.live import Message as LiveMessage

PATHS = ("/api/v1/comments", "/api/v1/counts")
EDGE_SECONDS = 5.0
MAX_BYTES = 16 * 1024 * 1024  # rendered pages held per process, at most
SESSION_COOKIE = b"townhall_session="
# How long a request waits for another's fill of the same page before asking the stack
# itself (a fill is a few milliseconds; this bounds a stuck one).
FILL_WAIT_SECONDS = 5.0

Headers = list[tuple[bytes, bytes]]


@dataclass
class Entry:
    etag: bytes
    headers: Headers
    body: bytes
    not_modified: Headers
    channels: frozenset[str]
    expires: float


def _key(scope: Scope) -> tuple[Any, ...] | None:
    """None for a request the edge must not answer (it may be signed in)."""
    origin = b""
    cookie = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None
        if name == b"cookie":
            if SESSION_COOKIE in value:
                return None
            cookie = True
        elif name == b"origin":
            origin = value
    return (scope["path"], scope["query_string"], origin, cookie, scope.get("scheme"))


def _channels(path: str, query: bytes) -> frozenset[str]:
    """The threads an answer shows, as broadcast names them. Every value of a repeated
    parameter counts, so whichever one the route reads, its thread is covered."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    sites = [v for k, v in pairs if k == "site"] or ["default"]
    threads = [v for k, v in pairs if k == "thread"]
    return frozenset(broadcast.thread_channel(s, t) for s in sites for t in threads)


def _if_none_match(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return value.decode("latin-1")
    return None


def _header(headers: Headers, wanted: bytes) -> bytes | None:
    for name, value in headers:
        if name.lower() == wanted:
            return value
    return None


class EdgeCache:
    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._by_channel: dict[str, set[tuple[Any, ...]]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._generation = 0
        # Pages being rendered now, by key; touched only on the event loop's thread.
        self._filling: dict[tuple[Any, ...], asyncio.Event] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # ---- invalidation (any thread) -------------------------------------------------
    def invalidate(self, channel: str) -> None:
        with self._lock:
            self._generation += 1
            for key in self._by_channel.pop(channel, ()):
                self._drop(key)

    def on_live_message(self, message: LiveMessage) -> None:
        """Every live message, from any node, names the thread that changed."""
        if message.channel == broadcast.PAGES_CHANNEL:
            self.invalidate(message.data.decode())
        else:
            self.invalidate(message.channel)

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= len(entry.body)
        for channel in entry.channels:
            keys = self._by_channel.get(channel)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_channel[channel]

    def _store(self, key: tuple[Any, ...], entry: Entry, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a write landed while this page was rendered: it may be stale
            self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            for channel in entry.channels:
                self._by_channel.setdefault(channel, set()).add(key)
            while self._bytes > MAX_BYTES and self._entries:
                self._drop(next(iter(self._entries)))

    def _lookup(self, key: tuple[Any, ...]) -> tuple[Entry | None, bool]:
        """The entry, if any, and whether it is still fresh. An old entry stays until its
        refill replaces it: only a write (``invalidate``) or the size cap drops one."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None, False
            self._entries.move_to_end(key)
            return entry, entry.expires > time.monotonic()

    # ---- ASGI ---------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] not in PATHS
        ):
            await self.app(scope, receive, send)
            return
        key = _key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry, fresh = self._lookup(key)
        if entry is not None and fresh:
            await self._replay(scope, entry, send)
            return
        filling = self._filling.get(key)
        if filling is None:
            await self._fill_once(scope, receive, send, key)
            return
        if entry is not None:  # only old: the refill is under way, seconds-old is fine
            await self._replay(scope, entry, send)
            return
        try:
            await asyncio.wait_for(filling.wait(), FILL_WAIT_SECONDS)
        except TimeoutError:
            pass
        entry, _ = self._lookup(key)
        if entry is not None:
            await self._replay(scope, entry, send)
            return
        await self.app(scope, receive, send)  # the fill kept nothing (not cacheable)

    async def _fill_once(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...]
    ) -> None:
        done = self._filling[key] = asyncio.Event()
        try:
            await self._fill(scope, receive, send, key)
        finally:
            del self._filling[key]
            done.set()

    async def _replay(self, scope: Scope, entry: Entry, send: Send) -> None:
        wanted = _if_none_match(scope)
        if wanted is not None and etag_matches(wanted, entry.etag.decode()):
            await send(
                {"type": "http.response.start", "status": 304, "headers": entry.not_modified}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def _fill(self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...]) -> None:
        with self._lock:
            generation = self._generation
        start, body = await self._pass_through(scope, receive, send)
        if start is None or start["status"] != 200 or _if_none_match(scope) is not None:
            return
        headers: Headers = list(start.get("headers", []))
        etag = _header(headers, b"etag")
        control = _header(headers, b"cache-control") or b""
        # A cookie is never replayed to someone else, whatever the route said.
        if etag is None or not control.startswith(b"public") or _header(headers, b"set-cookie"):
            return
        not_modified = await self._ask_not_modified(scope, etag)
        if not_modified is None:
            return
        entry = Entry(
            etag=etag,
            headers=headers,
            body=body,
            not_modified=not_modified,
            channels=_channels(scope["path"], scope["query_string"]),
            expires=time.monotonic() + EDGE_SECONDS,
        )
        self._store(key, entry, generation)

    async def _pass_through(
        self, scope: Scope, receive: Receive, send: Send
    ) -> tuple[Message | None, bytes]:
        """The inner stack answers the client as usual; a copy of its answer is kept."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def copy(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, copy)
        return start, b"".join(chunks)

    async def _ask_not_modified(self, scope: Scope, etag: bytes) -> Headers | None:
        """The inner stack's own 304 for this ETag; None if the page changed meanwhile."""
        headers = [(n, v) for n, v in scope["headers"] if n != b"if-none-match"]
        probe = {**scope, "headers": [*headers, (b"if-none-match", etag)]}
        answer: dict[str, Any] = {}
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.disconnect"}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.update(message)

        await self.app(probe, receive, keep)
        if answer.get("status") != 304:
            return None
        return list(answer.get("headers", []))


def install(edge: EdgeCache, services: Any) -> None:
    """Wire the edge to this process's writes and to every node's live messages."""
    services.page_listeners.append(edge.invalidate)
    services.pubsub.listen(edge.on_live_message)
