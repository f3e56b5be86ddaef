"""Things that happened, published after their transaction commits.

Subscribers (live updates, webhooks, audit, caches) hang off the ``EventBus``; a failing
subscriber is logged and never undoes or fails the user's action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger("townhall.events")


@dataclass(frozen=True)
class Event:
    site_id: int
    thread_id: int


@dataclass(frozen=True)
class CommentPosted(Event):
    comment_id: int
    status: str
    parent_id: int | None = None  # a reply's parent: only replies notify anyone (#5)


@dataclass(frozen=True)
class CommentEdited(Event):
    comment_id: int


@dataclass(frozen=True)
class CommentDeleted(Event):
    comment_id: int
    actor: str = "author"  # or "staff": a moderator's deletion is moderation (webhooks, #5)


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
    actor: str = "staff"  # or "pipeline" (webhooks, #5)


@dataclass(frozen=True)
class CommentsImported(Event):
    """importers (#6): a batch of an import added ``count`` comments to a thread."""

    count: int


@dataclass(frozen=True)
class UserBanned:
    """identity (#5): an account banned (``banned``) or its ban lifted. Not tied to a site
    or a thread, so it is staged for the webhook outbox only, never published live."""

    user_id: int
    banned: bool
    until: int | None
    reason: str | None


Subscriber = Callable[[Event], None]
Staged = Event | UserBanned
# Runs inside the writer's transaction (the webhook outbox): its rows commit with the
# change or not at all, so an event is never lost when the process dies after the commit.
Stager = Callable[["Connection", Staged], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._stagers: list[Stager] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def subscribe_staged(self, stager: Stager) -> None:
        self._stagers.append(stager)

    def stage(self, conn: Connection, *staged: Staged) -> None:
        """Called by a domain verb inside its transaction. Unlike ``publish``, a failure
        here rolls the action back: the outbox and the change are stored together or not."""
        for event in staged:
            for stager in self._stagers:
                stager(conn, event)

    def publish(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed for %r", event)
