"""Live updates of one thread as Server-Sent Events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from townhall.api.auth import PROBLEMS
from townhall.api.deps import services
from townhall.domain import sites
from townhall.domain.broadcast import thread_channel
from townhall.live import Message
from townhall.live.hub import Hub

router = APIRouter(prefix="/api/v1", tags=["live"])

# Comment lines this often keep proxies and load balancers from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 3000


def hub(request: Request) -> Hub:
    found: Hub | None = getattr(request.app.state, "hub", None)
    if found is None:
        found = request.app.state.hub = Hub(services(request).pubsub)
    return found


def _frame(event: str, event_id: int, data: bytes) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, event.encode(), data)


def _message_frame(message: Message) -> bytes:
    kind = orjson.loads(message.data).get("type", "message")
    return _frame(str(kind), message.id, message.data)


@router.get(
    "/threads/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **PROBLEMS},
)
async def thread_events(
    request: Request,
    thread: str = Query(min_length=1, max_length=500, description="The article's key."),
    site: str = Query(default="default", max_length=64, description="The site (publication)."),
    last_event_id: str | None = Header(default=None, max_length=20),
) -> StreamingResponse:
    svc = services(request)
    await run_in_threadpool(sites.get_site, svc, site)  # 404 for an unknown site
    channel = thread_channel(site, thread)
    resume = int(last_event_id) if last_event_id and last_event_id.isdecimal() else None
    live = hub(request)

    async def stream() -> AsyncIterator[bytes]:
        # Subscribed before reading the backlog, so nothing falls between the two.
        sub = live.subscribe(channel)
        try:
            yield b"retry: %d\n\n" % RETRY_MS
            backlog = None
            if resume is not None:
                backlog = await run_in_threadpool(svc.pubsub.since, channel, resume)
            if backlog is None:
                sent = await run_in_threadpool(svc.pubsub.last_id, channel)
                # "ready" on a first connection; "reset" when the reader missed more than
                # the backlog holds and must reload the thread.
                yield _frame("ready" if resume is None else "reset", sent, b"{}")
            else:
                sent = resume
                for message in backlog:
                    yield _message_frame(message)
                    sent = message.id
            while True:
                try:
                    message = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                if message is None:
                    return  # fell too far behind; the browser reconnects and catches up
                if message.id <= sent:
                    continue  # already sent from the backlog
                yield _message_frame(message)
                sent = message.id
        finally:
            live.unsubscribe(sub)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
