"""Things that happened, published after their transaction commits.

Subscribers (live updates, webhooks, audit, caches) hang off the ``EventBus``; a failing
subscriber is logged and never undoes or fails the user's action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("townhall.events")


@dataclass(frozen=True)
class Event:
    site_id: int
    thread_id: int


@dataclass(frozen=True)
class CommentPosted(Event):
    comment_id: int
    status: str


@dataclass(frozen=True)
class CommentEdited(Event):
    comment_id: int


@dataclass(frozen=True)
class CommentDeleted(Event):
    comment_id: int


@dataclass(frozen=True)
class ReactionChanged(Event):
    comment_id: int
    reaction_count: int


@dataclass(frozen=True)
class CommentModerated(Event):
    """moderation (#3): a comment changed status by a moderator or the pipeline
    (held, pulled back into a cluster, approved, rejected, hidden by a ban)."""

    comment_id: int
    status: str
    action: str


@dataclass(frozen=True)
class CommentsImported(Event):
    """importers (#6): a batch of an import added ``count`` comments to a thread."""

    count: int


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed for %r", event)
