"""Sending the webhook outbox (#5): sign, POST, retry with back-off, give up.

One loop per process, started in the app's lifespan. Every node may run it: a delivery is
claimed with a conditional UPDATE (``store.claim``), so exactly one node sends each attempt,
and the claim's lease makes the row due again if that node dies mid-attempt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import townhall
from townhall.domain.services import Services
from townhall.store import webhooks as store

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("townhall.webhooks")
BATCH = 20
LEASE_MARGIN_MS = 30_000
# Jitter spreads the retries of many deliveries that failed together (a receiver outage).
_jitter = random.SystemRandom()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, the Townhall-Signature header."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def retry_schedule(services: Services) -> list[float]:
    """Seconds to wait after the 1st, 2nd... failed attempt; the last repeats."""
    raw = str(services.settings.webhook_retry_seconds)
    delays = [float(part) for part in raw.split(",") if part.strip()]
    return delays or [60.0]


def next_delay_ms(services: Services, failed_attempts: int) -> int:
    schedule = retry_schedule(services)
    base = schedule[min(failed_attempts, len(schedule)) - 1]
    return int(base * 1000 * _jitter.uniform(0.9, 1.1))


def _describe(error: Exception, timeout: float) -> str:
    import httpx

    if isinstance(error, httpx.TimeoutException):
        return f"No answer within {timeout:g} s."
    if isinstance(error, httpx.ConnectError):
        return f"Could not connect: {error}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


async def _send(services: Services, client: httpx.AsyncClient, row: dict[str, Any]) -> None:
    """One attempt at a claimed delivery; its outcome is stored before returning."""
    settings = services.settings
    body = str(row["payload"]).encode()
    now_ms = services.clock.now_ms()
    status: int | None = None
    error: str | None = None
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Townhall-Webhooks/{townhall.__version__}",
        "Townhall-Event": str(row["event"]),
        "Townhall-Delivery": str(row["id"]),
        "Townhall-Signature": signature(row["secret"], now_ms // 1000, body),
    }
    import httpx

    try:
        response = await client.post(row["url"], content=body, headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        error = _describe(exc, float(settings.webhook_timeout_seconds))
    except Exception as exc:  # noqa: BLE001 - an odd URL or answer: a failed attempt, stored
        error = f"{type(exc).__name__}: {exc}"[:500]
    done_ms = services.clock.now_ms()
    attempts = int(row["attempts"])  # already counts this attempt (the claim added it)
    if error is None:
        outcome = {"delivered_at": done_ms, "next_attempt_at": None}
    elif attempts >= int(settings.webhook_max_attempts):
        outcome = {"delivered_at": None, "next_attempt_at": None}  # given up
    else:
        delay = next_delay_ms(services, attempts)
        outcome = {"delivered_at": None, "next_attempt_at": done_ms + delay}
    with services.db.write() as conn:
        store.record_attempt(conn, int(row["id"]), status=status, error=error, **outcome)
    if error:
        log.info("webhook delivery %s attempt %s failed: %s", row["id"], attempts, error)


def _claim_due(services: Services) -> list[dict[str, Any]]:
    now = services.clock.now_ms()
    lease = int(float(services.settings.webhook_timeout_seconds) * 1000) + LEASE_MARGIN_MS
    with services.db.read(primary=True) as conn:
        due = store.due(conn, now, BATCH)
    claimed = []
    for delivery_id, seen in due:
        with services.db.write() as conn:
            if store.claim(conn, delivery_id, seen, now + lease):
                row = store.with_hook(conn, delivery_id)
                if row is not None:
                    claimed.append(row)
    return claimed


async def deliver_due(services: Services, client: httpx.AsyncClient) -> int:
    """Send every delivery due now (a batch at a time); the number attempted."""
    sent = 0
    while True:
        rows = await asyncio.to_thread(_claim_due, services)
        if not rows:
            return sent
        await asyncio.gather(*(_send(services, client, row) for row in rows))
        sent += len(rows)


class DeliveryLoop:
    """Polls the outbox, and wakes at once when this process commits an event."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.stopped = False

    def wake(self) -> None:
        if self.stopped or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        import httpx

        from townhall.domain.public_http import PublicOnlyTransport

        settings = self.services.settings
        timeout = float(settings.webhook_timeout_seconds)
        poll = float(settings.webhook_poll_seconds)
        # Unless private targets are allowed, every connection is checked where it is
        # opened (public_http), so a name re-pointed at 10.x after the URL was added (DNS
        # rebinding) is refused. No redirects: a 3xx is a failed attempt.
        guarded = None if settings.webhook_allow_private else PublicOnlyTransport()
        async with httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False, transport=guarded
        ) as client:
            while True:
                self._wake.clear()
                try:
                    await deliver_due(self.services, client)
                except Exception:
                    log.exception("webhook delivery round failed; trying again shortly")
                try:
                    await asyncio.wait_for(self._wake.wait(), poll)
                except TimeoutError:
                    pass


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[None]:
    """The delivery loop for the lifetime of the app (its lifespan)."""
    try:
        import httpx  # noqa: F401 - only checking it is there
    except ImportError:
        # A server installed without it still serves comments; deliveries wait, and say why.
        log.error("webhooks are not sent: the httpx package is missing (pip install httpx)")
        yield
        return
    loop = DeliveryLoop(services)
    pending = services.webhook_events

    def on_event(event: Any) -> None:
        # Woken only by an event that queued a delivery: waking on every comment cost each
        # post a thread hop and a query for nothing (#7). Others' deliveries wait for the poll.
        if event in pending:
            pending.discard(event)
            loop.wake()

    services.events.subscribe(on_event)
    task = asyncio.create_task(loop.run(), name="townhall-webhooks")
    try:
        yield
    finally:
        loop.stopped = True
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
