"""After a write: tell readers (live messages) and drop the thread's cached pages.

Cached pages are keyed by a per-thread version that every write bumps, so a page rendered
from data read before the write can never be served after it: a reader who started before
the commit stores its page under the old version, which nobody asks for again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson

from townhall import events
from townhall.domain.services import Services
from townhall.store import threads as thread_store

# Versions outlive the pages they name, so a version never falls back to an old number
# while pages rendered under that number may still be cached.
VERSION_TTL_FACTOR = 4
# A write readers are not told about (a reaction, a held comment) still changes pages:
# its thread's name goes out on this channel, so every node's edge cache drops them (#7).
PAGES_CHANNEL = "pages"
# How many threads' names a process remembers before it starts again (a dictionary of a few
# hundred bytes each, so a busy site stays far below a megabyte).
THREAD_NAMES_KEPT = 4096


def thread_channel(site_slug: str, thread_key: str) -> str:
    """A short, Redis-safe name for a thread (keys may be URLs of any length)."""
    raw = f"{site_slug}\x00{thread_key}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _version_key(channel: str) -> str:
    return f"v:{channel}"


def cached_page(
    services: Services,
    *,
    site_slug: str,
    thread_key: str,
    variant: str,
    render: Callable[[], bytes],
) -> bytes:
    """The anonymous page ``variant`` of a thread, rendered at most once per write."""
    ttl = int(services.settings.cache_ttl_seconds)
    if ttl <= 0:
        return render()
    channel = thread_channel(site_slug, thread_key)
    version = services.cache.get_int(_version_key(channel))
    key = f"p:{channel}:{version}:{variant}"
    page = services.cache.get(key)
    if page is None:
        page = render()
        services.cache.set(key, page, ttl)
    return page


LIVE_TYPES = {
    events.CommentPosted: "new",
    events.CommentEdited: "edited",
    events.CommentDeleted: "deleted",
}
# Moderation events named like these put a comment (back) in front of readers.
SHOWN_WORDS = ("Approved", "Restored", "Published", "Unhidden")


def live_type(event: events.Event) -> str | None:
    """What readers are told: new, edited, deleted or moderated; None for nothing."""
    if isinstance(event, events.ReactionChanged):
        return None  # too frequent under a spike; counts refresh with the next page
    if isinstance(event, events.CommentPosted):
        return "new" if event.status == "visible" else None
    for cls, kind in LIVE_TYPES.items():
        if isinstance(event, cls):
            return kind
    if not hasattr(event, "comment_id"):
        return None
    name = type(event).__name__
    return "new" if any(word in name for word in SHOWN_WORDS) else "moderated"


def _thread_names(services: Services, thread_id: int) -> tuple[str, str] | None:
    """A site's slug and a thread's key never change, so each process asks once per thread:
    the read was a transaction of its own after every post (#7)."""
    known = services.thread_names
    names = known.get(thread_id)
    if names is None:
        # The primary: a replica may not have the thread the write just created.
        with services.db.read(primary=True) as conn:
            names = thread_store.site_slug_and_key(conn, thread_id)
        if names is not None:
            if len(known) >= THREAD_NAMES_KEPT:
                known.clear()
            known[thread_id] = names
    return names


def on_event(services: Services, event: events.Event) -> None:
    names = _thread_names(services, event.thread_id)
    if names is None:
        return
    channel = thread_channel(*names)
    ttl = int(services.settings.cache_ttl_seconds)
    services.cache.incr(_version_key(channel), max(ttl, 1) * VERSION_TTL_FACTOR)
    # This process's edge cache first, before the author has the answer: the pub/sub
    # message below reaches it (and the other nodes) a moment later.
    for listener in services.page_listeners:
        listener(channel)
    kind = live_type(event)
    if kind is None:
        services.pubsub.publish(PAGES_CHANNEL, channel.encode())
        return
    comment_id = getattr(event, "comment_id", None)
    data = orjson.dumps({"type": kind, "id": comment_id})
    services.pubsub.publish(channel, data)


def install(services: Services) -> None:
    services.events.subscribe(lambda event: on_event(services, event))
