"""Webhooks over real HTTP: a loopback receiver gets signed events for comments,
moderation and bans; failures are retried with growing delays and never lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.support.server import free_port
from tests.webhooks.conftest import Receiver, add_hook, deliveries
from townhall.domain.services import Services


def _valid(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def test_a_posted_comment_arrives_as_comment_created_with_a_valid_signature(
    admin: Reader, make_reader: Any, receiver: Receiver
) -> None:
    hook = add_hook(admin, receiver.url, ["comment.created"])
    assert hook["secret"].startswith("whsec_")
    listed = admin.http.get("/api/v1/moderation/sites/default/webhooks").json()["webhooks"]
    assert [h["url"] for h in listed] == [receiver.url] and "secret" not in listed[0]
    ana = make_reader("Ana", email="ana@example.org")
    parent = ana.post("The bridge reopens on Monday.", thread="bridge", title="Bridge")
    reply = ana.post("Correction: Tuesday.", thread="bridge", parent_id=parent["id"])

    first, second = receiver.wait_for(2)
    assert first.headers["Townhall-Event"] == "comment.created"
    assert _valid(hook["secret"], first.headers["Townhall-Signature"], first.body)
    assert not _valid("whsec_wrong", first.headers["Townhall-Signature"], first.body)
    payload = json.loads(second.body)
    assert payload["type"] == "comment.created" and payload["id"]
    assert payload["site"]["slug"] == "default"
    assert payload["thread"] == {
        "id": payload["thread"]["id"],
        "uri": "bridge",
        "title": "Bridge",
        "url": None,
    }
    comment = payload["comment"]
    assert (comment["id"], comment["parent_id"]) == (reply["id"], parent["id"])
    assert comment["author"] == {"id": ana.user["id"], "name": "Ana"}  # type: ignore[index]
    assert comment["status"] == "visible" and comment["body"] == "Correction: Tuesday."
    assert b"ana@example.org" not in second.body and b"remote_addr" not in second.body
    log = deliveries(admin, hook["id"])
    assert {row["state"] for row in log} == {"delivered"}
    assert log[0]["last_status"] == 200 and log[0]["attempts"] == 1
    assert second.headers["Townhall-Delivery"] == str(log[0]["id"])


def test_moderation_and_ban_events_arrive_with_action_and_actor(
    admin: Reader, make_reader: Any, receiver: Receiver, services: Services
) -> None:
    kinds = ["comment.moderated", "user.banned", "user.unbanned"]
    add_hook(admin, receiver.url, kinds)
    moderator = promote(services, make_reader("Mod"))
    troll = make_reader("Troll")
    visible = troll.post("Nothing to see here.", thread="ferry")
    mode = {"thread": "ferry", "mode": "premoderated"}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    held = troll.post("Held by the story's mode.", thread="ferry")
    assert held["status"] == "pending"
    decision = {"comment_ids": [visible["id"]], "action": "reject", "reason": "Spam"}
    assert moderator.http.post("/api/v1/moderation/decisions", json=decision).status_code == 200
    ban = {"state": "banned", "reason": "Repeated spam"}
    user_id = troll.user["id"]  # type: ignore[index]
    assert moderator.http.put(f"/api/v1/moderation/users/{user_id}/standing", json=ban).is_success
    lift = {"state": None}
    assert moderator.http.put(f"/api/v1/moderation/users/{user_id}/standing", json=lift).is_success

    # Deliveries due together are sent in parallel: receivers order by occurred_at.
    got = sorted(
        (json.loads(r.body) for r in receiver.wait_for(4)),
        key=lambda p: (p["type"].startswith("user"), p["occurred_at"], p["type"]),
    )
    assert [p["type"] for p in got] == [
        "comment.moderated",
        "comment.moderated",
        "user.banned",
        "user.unbanned",
    ]
    pipeline, staff = got[0], got[1]
    assert pipeline["comment"]["id"] == held["id"]
    assert pipeline["moderation"] == {"action": "held", "actor": "pipeline"}
    assert staff["comment"]["id"] == visible["id"]
    assert staff["moderation"] == {"action": "rejected", "actor": "staff"}
    assert staff["comment"]["status"] == "rejected"
    assert got[2]["user"] == {"id": user_id, "name": "Troll"}
    assert got[2]["reason"] == "Repeated spam" and got[3]["user"]["id"] == user_id


def test_a_failing_receiver_gets_three_attempts_with_growing_delays(
    admin: Reader, make_reader: Any, receiver: Receiver, figures: Any
) -> None:
    receiver.answers = [500, 500]
    hook = add_hook(admin, receiver.url, ["comment.created"])
    make_reader("Ana").post("Third time lucky.")
    attempts = receiver.wait_for(3)
    first_gap = attempts[1].at - attempts[0].at
    second_gap = attempts[2].at - attempts[1].at
    # The schedule is 0.3 s then 0.9 s, each ±10%.
    assert 0.25 < first_gap < second_gap and second_gap > 0.8
    assert len({a.headers["Townhall-Delivery"] for a in attempts}) == 1
    (row,) = deliveries(admin, hook["id"])
    assert (row["state"], row["attempts"], row["last_status"]) == ("delivered", 3, 200)
    figures(f"webhook retries (schedule 0.3 s, 0.9 s): gaps {first_gap:.2f} s, {second_gap:.2f} s")


def test_a_receiver_that_is_down_leaves_the_delivery_pending_then_retry_now_sends_it(
    admin: Reader, make_reader: Any, receiver: Receiver
) -> None:
    down = f"http://127.0.0.1:{free_port()}/hook"
    hook = add_hook(admin, down, ["comment.created"])
    make_reader("Ana").post("Is anyone there?")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = deliveries(admin, hook["id"])
        if log and log[0]["attempts"] >= 2:
            break
        time.sleep(0.05)
    (row,) = deliveries(admin, hook["id"])
    assert row["state"] == "pending" and row["attempts"] >= 2
    assert row["delivered_at"] is None and row["next_attempt_at"] is not None
    assert "Could not connect" in row["last_error"]


def test_the_last_allowed_failure_marks_the_delivery_failed_and_retry_now_revives_it(
    app_with_hooks: Any, receiver: Receiver
) -> None:
    admin, make_reader = app_with_hooks(webhook_max_attempts=2)
    receiver.answers = [503, 503]
    hook = add_hook(admin, receiver.url, ["comment.created"])
    make_reader("Ana").post("Give up after two.")
    receiver.wait_for(2)
    deadline = time.monotonic() + 5
    while deliveries(admin, hook["id"])[0]["state"] != "failed":
        assert time.monotonic() < deadline, deliveries(admin, hook["id"])
        time.sleep(0.05)
    (row,) = deliveries(admin, hook["id"])
    assert (row["attempts"], row["last_status"]) == (2, 503)
    assert row["last_error"].startswith("HTTP 503")
    retry = f"/api/v1/moderation/sites/default/webhooks/{hook['id']}/deliveries/{row['id']}/retry"
    assert admin.http.post(retry).status_code == 202
    receiver.wait_for(3)
    deadline = time.monotonic() + 5
    while deliveries(admin, hook["id"])[0]["state"] != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert admin.http.post(retry).status_code == 404  # delivered: nothing to retry


def test_ping_and_a_rotated_secret(admin: Reader, receiver: Receiver) -> None:
    hook = add_hook(admin, receiver.url, ["comment.edited"])
    base = f"/api/v1/moderation/sites/default/webhooks/{hook['id']}"
    rotated = admin.http.post(base + "/secret").json()["secret"]
    assert rotated != hook["secret"]
    assert admin.http.post(base + "/ping").status_code == 202
    (ping,) = receiver.wait_for(1)
    assert ping.headers["Townhall-Event"] == "ping"
    assert json.loads(ping.body)["type"] == "ping"
    assert _valid(rotated, ping.headers["Townhall-Signature"], ping.body)
    assert not _valid(hook["secret"], ping.headers["Townhall-Signature"], ping.body)
    assert admin.http.delete(base).status_code == 204
    assert admin.http.post(base + "/ping").status_code == 404


def test_an_edit_the_pipeline_holds_arrives_as_edited_then_moderated(
    app_with_hooks: Any, receiver: Receiver
) -> None:
    admin, make_reader = app_with_hooks(moderation_suspect_words="tollbooth*")
    add_hook(admin, receiver.url, ["comment.edited", "comment.moderated"])
    ana = make_reader("Ana")
    comment = ana.post("The bridge reopens on Monday.")
    edit = {"body": "The bridge reopens with tollbooths on Monday.", "nudged": True}
    edited = ana.http.patch(f"/api/v1/comments/{comment['id']}", json=edit)
    assert edited.status_code == 200 and edited.json()["status"] == "pending"
    got = {json.loads(r.body)["type"]: json.loads(r.body) for r in receiver.wait_for(2)}
    assert got["comment.edited"]["comment"]["status"] == "pending"
    assert got["comment.moderated"]["moderation"] == {"action": "held", "actor": "pipeline"}
    assert got["comment.moderated"]["comment"]["id"] == comment["id"]
