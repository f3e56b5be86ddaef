"""Everything a domain verb needs, built once by ``create_app`` (or a CLI command)."""

from __future__ import annotations

from dataclasses import dataclass, field

from townhall.domain.clock import Clock, SystemClock
from townhall.domain.ratelimit import RateLimiter
from townhall.events import EventBus
from townhall.settings import Settings
from townhall.store.engine import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    limiter: RateLimiter
    clock: Clock = field(default_factory=SystemClock)
    events: EventBus = field(default_factory=EventBus)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url),
            limiter=RateLimiter(enabled=bool(settings.rate_limits_enabled)),
        )
