"""Rate limits through the ``limits`` library (moving windows).

In-process memory storage for one node; the scale-out setup swaps in shared storage.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from townhall.errors import RateLimited


class RateLimiter:
    def __init__(self, *, enabled: bool = True, storage: Storage | None = None) -> None:
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    def hit(self, rule: str, scope: str, key: str, what: str) -> None:
        """Count one attempt; raise RateLimited (with Retry-After) past the limit."""
        if not self.enabled:
            return
        item = parse(rule)
        if self._limiter.hit(item, scope, key):
            return
        reset_at, _remaining = self._limiter.get_window_stats(item, scope, key)
        wait = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(f"Too many {what}. Try again in {wait} seconds.", retry_after=wait)
