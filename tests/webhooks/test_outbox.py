"""The outbox: a delivery is stored with the change it reports, so it waits out a stopped
sender and vanishes with a rolled-back change; two nodes sending from one database send
each delivery once."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.support.server import free_port
from tests.webhooks.conftest import Receiver, add_hook, deliveries
from townhall.app import create_app
from townhall.domain import webhooks
from townhall.domain.clock import SystemClock
from townhall.domain.public_http import PublicOnlyTransport
from townhall.domain.services import Services
from townhall.settings import Settings


def test_an_event_committed_while_no_sender_runs_is_sent_when_one_starts(
    app: Any, make_reader: Any, services: Services, receiver: Receiver
) -> None:
    # No lifespan yet: as if the process died right after the commit.
    admin = promote(services, make_reader("Admin"), "admin")
    hook = add_hook(admin, receiver.url, ["comment.created"])
    posted = make_reader("Ana").post("Posted while the sender was down.")
    time.sleep(0.3)
    (row,) = deliveries(admin, hook["id"])
    assert (row["state"], row["attempts"]) == ("pending", 0) and receiver.received == []
    with TestClient(app):  # the next start
        (arrived,) = receiver.wait_for(1)
    assert json.loads(arrived.body)["comment"]["id"] == posted["id"]


def test_a_rolled_back_change_leaves_no_delivery(app_with_hooks: Any, receiver: Receiver) -> None:
    admin, make_reader = app_with_hooks(moderation_banned_words="scum*")
    hook = add_hook(admin, receiver.url, ["comment.created", "comment.moderated"])
    ana = make_reader("Ana")
    nudged = ana.http.post("/api/v1/comments", json={"thread": "a", "body": "You scumbag."})
    assert nudged.status_code == 422  # the nudge: nothing stored, nothing sent
    ana.post("Fair point, well made.", thread="a")
    (arrived,) = receiver.wait_for(1)
    time.sleep(0.3)
    assert len(receiver.received) == 1 and len(deliveries(admin, hook["id"])) == 1
    assert json.loads(arrived.body)["comment"]["body"] == "Fair point, well made."


def test_two_nodes_on_one_database_send_each_delivery_once(
    settings: Settings, receiver: Receiver, figures: Any
) -> None:
    nodes = [Services.build(settings) for _ in range(2)]
    apps = [create_app(svc.settings, svc) for svc in nodes]
    try:
        with TestClient(apps[0]), TestClient(apps[1]):
            admin = promote(nodes[0], Reader(apps[0]).signup("Admin"), "admin")
            hook = add_hook(admin, receiver.url, ["comment.created"])
            writers = [Reader(app).signup(f"Writer {n}") for n, app in enumerate(apps)]
            for n in range(20):
                writers[n % 2].post(f"Comment number {n} from node {n % 2}.")
            arrived = receiver.wait_for(20)
            time.sleep(0.5)  # room for a duplicate to show up
        assert len(receiver.received) == 20
        assert len({r.headers["Townhall-Delivery"] for r in arrived}) == 20
        rows = deliveries(admin, hook["id"])
        assert {(r["state"], r["attempts"]) for r in rows} == {("delivered", 1)}
        figures("webhooks: 20 deliveries from 2 nodes sharing a database, each sent once")
    finally:
        for svc in nodes:
            svc.close()


class LaterClock:
    """The system clock, ``days`` ahead."""

    def __init__(self, days: float) -> None:
        self.offset = int(days * 86_400_000)

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


def test_the_hourly_job_forgets_old_finished_deliveries_but_never_waiting_ones(
    admin: Reader, make_reader: Any, services: Services, receiver: Receiver
) -> None:
    kept = add_hook(admin, f"http://127.0.0.1:{free_port()}/down", ["comment.created"])
    done = add_hook(admin, receiver.url, ["comment.created"])
    make_reader("Ana").post("Old news by next month.")
    receiver.wait_for(1)
    assert deliveries(admin, done["id"])[0]["state"] == "delivered"
    assert webhooks.prune_log(services) == 0  # nothing old yet
    services.clock = LaterClock(days=31)
    assert webhooks.prune_log(services) == 1
    services.clock = SystemClock()  # back to now, where the admin's session still holds
    assert deliveries(admin, done["id"]) == []
    assert [r["state"] for r in deliveries(admin, kept["id"])] == ["pending"]


def test_the_guarded_transport_checks_the_address_it_connects_to(
    receiver: Receiver,
) -> None:
    """Where the socket opens: loopback refused by default, reached when allowed (here the
    test's stand-in for a public address), so a re-pointed name cannot slip through."""

    async def post(transport: PublicOnlyTransport, url: str) -> int:
        async with httpx.AsyncClient(transport=transport, timeout=2) as client:
            return (await client.post(url, content=b"{}")).status_code

    for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
        with pytest.raises(httpx.ConnectError, match="public addresses only"):
            asyncio.run(post(PublicOnlyTransport(), url))
    assert receiver.received == []  # refused before a byte was sent
    loopback = PublicOnlyTransport(allowed=lambda a: a == ipaddress.ip_address("127.0.0.1"))
    assert asyncio.run(post(loopback, receiver.url)) == 200
    assert len(receiver.received) == 1


def test_a_webhook_stored_while_private_targets_were_allowed_is_refused_at_each_attempt(
    settings: Settings, receiver: Receiver
) -> None:
    allowed = Services.build(settings)
    admin = promote(allowed, Reader(create_app(settings, allowed)).signup("Admin"), "admin")
    hook = add_hook(admin, receiver.url, ["comment.created"])
    strict = Services.build(settings.replace(webhook_allow_private=False))
    strict_app = create_app(strict.settings, strict)
    try:
        with TestClient(strict_app):
            Reader(strict_app).signup("Ana").post("To a loopback hook, via a strict node.")
            deadline = time.monotonic() + 10
            while not deliveries(admin, hook["id"])[0]["attempts"]:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        (row,) = deliveries(admin, hook["id"])
        assert row["state"] == "pending" and "public addresses only" in row["last_error"]
        assert receiver.received == []
    finally:
        allowed.close()
        strict.close()
