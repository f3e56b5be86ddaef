"""Work the server does on a timer, started and stopped with the app (its lifespan).

Each job is a plain synchronous domain function of the services; it runs in a thread so
the event loop keeps serving. With several workers or nodes every one runs the jobs:
they are idempotent (an UPDATE of what is due), so running twice costs only a query.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from townhall.domain import addresses, webhooks
from townhall.domain.services import Services

log = logging.getLogger("townhall.jobs")

# (job, seconds between runs). The first run is at start-up.
JOBS: list[tuple[Callable[[Services], Any], float]] = [
    (addresses.purge, 3600.0),  # privacy (#5): address hashes past ip_retention_days
    (webhooks.prune_log, 3600.0),  # webhooks (#5): deliveries past webhook_log_days
]


async def _every(seconds: float, job: Callable[[Services], Any], services: Services) -> None:
    while True:
        try:
            await asyncio.to_thread(job, services)
        except Exception:  # a failed run is logged and tried again at the next tick
            log.exception("scheduled job %s failed", job.__qualname__)
        await asyncio.sleep(seconds)


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[None]:
    """The jobs, for as long as the app runs (entered in create_app's lifespan)."""
    tasks = [asyncio.create_task(_every(seconds, job, services)) for job, seconds in JOBS]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
