"""Everything a domain verb needs, built once by ``create_app`` (or a CLI command)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from townhall.cache import Cache, build_cache
from townhall.cache.memory import MemoryCache
from townhall.domain.clock import Clock, SystemClock
from townhall.domain.ratelimit import RateLimiter
from townhall.events import EventBus
from townhall.live import PubSub, build_pubsub
from townhall.live.memory import MemoryPubSub
from townhall.notify.mail import Mailer, OutboxMailer, build_mailer
from townhall.settings import Settings
from townhall.store.engine import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    limiter: RateLimiter
    clock: Clock = field(default_factory=SystemClock)
    events: EventBus = field(default_factory=EventBus)
    mailer: Mailer = field(default_factory=OutboxMailer)
    # scale-out (#4): in-process without Redis, shared by all nodes with it
    cache: Cache = field(default_factory=MemoryCache)
    pubsub: PubSub = field(default_factory=MemoryPubSub)
    redis: Any = None
    # Called with a thread's channel name after each write to it (the edge cache, #7).
    page_listeners: list[Callable[[str], None]] = field(default_factory=list)
    # privacy (#5): the HMAC key of stored IP addresses, loaded on first use (addresses.py)
    address_key: bytes | None = None
    # Events whose transaction queued a webhook delivery (webhooks.stage): only their publication
    # wakes this process's delivery loop, not every comment's (#7).
    webhook_events: set[Any] = field(default_factory=set)
    # thread id -> (site slug, thread key), which never change once made (broadcast.py, #7)
    thread_names: dict[int, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        from townhall.domain import broadcast, notifications, passwords, webhooks

        passwords.configure(
            int(settings.password_hash_time_cost), int(settings.password_hash_memory_kib)
        )
        redis_client = _redis(settings)
        services = cls(
            settings=settings,
            db=Database(settings.resolved_database_url, str(settings.database_replica_url)),
            limiter=RateLimiter(
                enabled=bool(settings.rate_limits_enabled), storage=_limits_storage(settings)
            ),
            cache=build_cache(settings, redis_client),
            pubsub=build_pubsub(settings, redis_client),
            redis=redis_client,
            mailer=build_mailer(settings),
        )
        broadcast.install(services)
        webhooks.install(services)  # identity (#5): the outbox, written with each change
        notifications.install(services)  # identity (#5): "someone replied to you"
        return services

    def close(self) -> None:
        self.pubsub.close()
        self.cache.close()
        if self.redis is not None:
            self.redis.close()
        self.db.dispose()


def _redis(settings: Settings) -> Any:
    if not settings.redis_url:
        return None
    import redis

    return redis.Redis.from_url(str(settings.redis_url), health_check_interval=30)


def _limits_storage(settings: Settings) -> Any:
    if not settings.redis_url:
        return None
    from limits.storage import storage_from_string

    return storage_from_string(str(settings.redis_url), key_prefix=f"{settings.redis_prefix}:rl")
