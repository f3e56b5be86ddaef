"""The batched reply mail (#5): at most one mail per reader per ``reply_mail_minutes``.

A reader's replies are collected from the first one that was not mailed yet; once it has
waited ``reply_mail_minutes``, one mail carries every reply gathered by then. Each pass
claims a reader with an UPDATE that only one node can win (notify_prefs.last_mailed_at),
then the rows with ``UPDATE ... WHERE mailed_at IS NULL``, commits, and only then sends:
two nodes running the loop never send the same replies twice. If sending fails, the claim
is put back and the next pass tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from townhall.domain import notifications
from townhall.domain.services import Services
from townhall.notify.reply_mail import Reply, reply_mail
from townhall.store import notifications as store
from townhall.store import users as user_store

log = logging.getLogger("townhall.reply_mail")

USERS_PER_PASS = 200


@dataclass
class PassResult:
    mailed: int = 0  # mails sent
    replies: int = 0  # replies they carried
    failed: int = 0  # mails that could not be sent (they go out on a later pass)


def base_url(services: Services) -> str:
    """Links in mail outlive any request: the public origin, else where the server listens."""
    public = str(services.settings.public_url).rstrip("/")
    return public or f"http://{services.settings.host}:{services.settings.port}"


def window_ms(services: Services) -> int:
    return max(0, int(services.settings.reply_mail_minutes)) * 60_000


def send_due(services: Services) -> PassResult:
    """One pass: every reader whose batch is due gets one mail."""
    result = PassResult()
    now = services.clock.now_ms()
    window = window_ms(services)
    with services.db.read(primary=True) as conn:
        due = store.due_users(conn, now=now, window_ms=window, limit=USERS_PER_PASS)
    for user_id in due:
        _send_one(services, user_id, now, window, result)
    return result


def _send_one(services: Services, user_id: int, now: int, window: int, result: PassResult) -> None:
    with services.db.write() as conn:
        previous = store.claim(conn, user_id=user_id, now=now, window_ms=window)
        if previous is None:
            return  # another node has this reader's mail
        rows = store.claim_rows(conn, user_id=user_id, now=now)
        user = user_store.by_id(conn, user_id)
        prefs = store.prefs(conn, user_id)
    if not rows or user is None or prefs is None:
        return
    message = _message(services, user, prefs, rows)
    try:
        services.mailer.send(message)
    except OSError:
        log.exception("could not send the reply mail to user %s; it goes out later", user_id)
        with services.db.write() as conn:
            store.release(conn, user_id=user_id, now=now, last_mailed_at=previous or None)
        result.failed += 1
        return
    result.mailed += 1
    result.replies += len(rows)


def _message(
    services: Services, user: dict[str, Any], prefs: dict[str, Any], rows: list[dict[str, Any]]
) -> Any:
    base = base_url(services)
    token = notifications.unsubscribe_token(user["id"], prefs["key"])
    replies = [
        Reply(
            author=row["author_name"] or "?",
            excerpt=notifications.excerpt(row["html"], 300),
            article=row["thread_title"] or row["thread_key"],
            link=notifications.comment_link(row["thread_url"], row["comment_id"]),
        )
        for row in rows
    ]
    return reply_mail(
        to=user["email"],
        name=user["name"],
        replies=replies,
        unsubscribe_url=f"{base}/unsubscribe/{token}",
        mine_url=f"{base}/me",
        # The language the reader used when turning the mail on (#9).
        lang=notifications.mail_language(services, prefs),
    )


def loop_interval_seconds(services: Services) -> float:
    """How often the background loop looks: ten times per window, at least every minute,
    at most every second."""
    return min(60.0, max(1.0, window_ms(services) / 10_000))


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[None]:
    """The loop, for as long as the app runs (entered in create_app's lifespan)."""
    task = asyncio.create_task(run_forever(services))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def run_forever(services: Services) -> None:
    """The app's background loop (one per process; the claims make several safe). A failing
    pass is logged and the loop carries on."""
    while True:
        try:
            result = await asyncio.to_thread(send_due, services)
            if result.mailed or result.failed:
                log.info("reply mail: %s sent, %s failed", result.mailed, result.failed)
        except Exception:
            log.exception("reply mail pass failed; trying again later")
        await asyncio.sleep(loop_interval_seconds(services))
