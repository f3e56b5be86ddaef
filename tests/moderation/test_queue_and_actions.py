"""A held comment waits, its author sees why, a moderator decides; reports, bans, modes."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.domain.services import Services

TOXIC = "You are a fucking idiot and this article is shit."


def ids(page: dict[str, Any]) -> list[int]:
    return [c["id"] for c in page["comments"]]


def test_a_toxic_comment_is_held_visible_only_to_its_author_until_approved(
    make_reader: Any, moderator: Reader
) -> None:
    author, other = make_reader("Taras"), make_reader("Iryna")
    held = author.post(TOXIC, nudged=True)  # insists past the nudge (#3)
    assert held["status"] == "pending"
    assert "moderator" in held["held_reason"]
    assert ids(author.thread()) == [held["id"]]
    assert author.thread()["comments"][0]["held_reason"] == held["held_reason"]
    assert ids(other.thread()) == [] and other.thread()["thread"]["comment_count"] == 0

    queue = moderator.http.get("/api/v1/moderation/queues/held").json()["comments"]
    assert [c["id"] for c in queue] == [held["id"]]
    assert any(r["code"] == "toxic" for r in queue[0]["reasons"])

    answer = moderator.http.post(
        "/api/v1/moderation/decisions", json={"comment_ids": [held["id"]], "action": "approve"}
    )
    assert answer.status_code == 200, answer.text
    page = other.thread()
    assert ids(page) == [held["id"]] and page["thread"]["comment_count"] == 1
    audit = moderator.http.get("/api/v1/moderation/audit").json()["entries"]
    assert (audit[0]["action"], audit[0]["target_id"], audit[0]["actor_name"]) == (
        "approve",
        held["id"],
        "Mod",
    )


def test_obfuscated_suspect_words_are_held(make_reader: Any) -> None:
    author = make_reader()
    for text in ("What a f.u.c.k.i.n.g mess", "Утрирую, але ти ідіот", "sh1t reporting again"):
        assert author.post(text, nudged=True)["status"] == "pending", text
    assert author.post("A calm and reasoned reply about the aid package.")["status"] == "visible"


def test_banned_words_reject_and_counts_stay_consistent(app_with: Any) -> None:
    app, _ = app_with(moderation_banned_words="scumbag*")
    reader = Reader(app).signup("R")
    root = reader.post("The minister answered the question.")
    answer = reader.http.post(
        "/api/v1/comments",
        json={
            "thread": "article-1",
            "body": "You SCUMBAGS, all of you",
            "parent_id": root["id"],
            "nudged": True,
        },
    )
    assert answer.status_code == 201 and answer.json()["status"] == "rejected"
    page = reader.thread()
    assert page["thread"]["comment_count"] == 1
    assert page["comments"][0]["reply_count"] == 0


def test_readers_report_and_enough_reports_queue_the_comment(
    make_reader: Any, moderator: Reader, anonymous: Reader
) -> None:
    author = make_reader()
    comment = author.post("The front moved ten kilometres last week.")
    path = f"/api/v1/comments/{comment['id']}/reports"
    assert anonymous.http.post(path, json={"reason": "spam"}).status_code == 401
    bad = make_reader().http.post(path, json={"reason": "other"})
    assert bad.status_code == 422 and "few words" in bad.json()["detail"]
    assert author.http.post(path, json={"reason": "spam"}).status_code == 422
    for _ in range(3):
        assert make_reader().http.post(path, json={"reason": "misinformation"}).status_code == 201
    reported = moderator.http.get("/api/v1/moderation/queues/reported").json()["comments"]
    assert [c["id"] for c in reported] == [comment["id"]] and reported[0]["report_count"] == 3
    counts = moderator.http.get("/api/v1/moderation/overview").json()["counts"]
    assert counts["reported"] == 1
    moderator.http.post(
        "/api/v1/moderation/decisions", json={"comment_ids": [comment["id"]], "action": "approve"}
    )
    assert moderator.http.get("/api/v1/moderation/queues/reported").json()["comments"] == []


def test_readers_cannot_call_moderator_routes(make_reader: Any, anonymous: Reader) -> None:
    reader = make_reader()
    comment = reader.post("Hello there, a perfectly normal comment.")
    calls = [
        ("get", "/api/v1/moderation/overview", None),
        ("get", "/api/v1/moderation/queues/pending", None),
        ("get", f"/api/v1/moderation/comments/{comment['id']}", None),
        ("get", "/api/v1/moderation/audit", None),
        ("post", "/api/v1/moderation/decisions", {"comment_ids": [1], "action": "reject"}),
        ("post", "/api/v1/moderation/clusters/1/decision", {"action": "reject"}),
        ("put", "/api/v1/moderation/users/1/standing", {"state": "banned"}),
        ("put", "/api/v1/moderation/threads/mode", {"thread": "article-1", "mode": "closed"}),
        ("get", "/api/v1/moderation/queues/held", None),
        ("put", f"/api/v1/moderation/comments/{comment['id']}/featured", {"featured": True}),
        ("patch", f"/api/v1/moderation/comments/{comment['id']}", {"body": "x", "note": "y"}),
        ("get", f"/api/v1/moderation/comments/{comment['id']}/revisions", None),
        ("get", "/api/v1/moderation/queues/notices", None),
        ("get", "/api/v1/moderation/notices", None),
        ("post", "/api/v1/moderation/notices/1/decision", {"decision": "keep", "statement": "x"}),
    ]
    for method, path, body in calls:
        kwargs = {"json": body} if body is not None else {}
        assert getattr(reader.http, method)(path, **kwargs).status_code == 403, path
        assert getattr(anonymous.http, method)(path, **kwargs).status_code == 401, path


def test_a_ban_hides_the_users_comments_and_blocks_posting(
    make_reader: Any, moderator: Reader
) -> None:
    troll, other = make_reader("Troll"), make_reader("Other")
    first = troll.post("First thing I say here, nothing wrong with it.")
    troll.post("Second thing I say here, also harmless enough.")
    assert other.thread()["thread"]["comment_count"] == 2
    answer = moderator.http.put(
        f"/api/v1/moderation/users/{troll.user['id']}/standing",  # type: ignore[index]
        json={"state": "banned", "reason": "Campaign account", "reject_comments": True},
    )
    assert answer.status_code == 200 and answer.json()["rejected"] == 2
    page = other.thread()
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0
    blocked = troll.http.post("/api/v1/comments", json={"thread": "article-1", "body": "again"})
    assert blocked.status_code == 403 and "may no longer comment" in blocked.json()["detail"]
    rejected = moderator.http.get("/api/v1/moderation/queues/rejected").json()["comments"]
    assert first["id"] in [c["id"] for c in rejected]


def test_story_modes_premoderate_and_close(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    reader = make_reader()
    reader.post("Opening the discussion politely.")
    mode = {"thread": "article-1", "mode": "premoderated"}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    waiting = reader.post("Now everything waits for review.")
    assert waiting["status"] == "pending"
    toxic = reader.post(TOXIC)
    # Waiting for review (pending) and objected to by the pipeline (held) are two queues.
    pending = moderator.http.get("/api/v1/moderation/queues/pending").json()["comments"]
    held = moderator.http.get("/api/v1/moderation/queues/held").json()["comments"]
    assert [c["id"] for c in pending] == [waiting["id"]]
    assert [c["id"] for c in held] == [toxic["id"]]
    counts = moderator.http.get("/api/v1/moderation/overview").json()["counts"]
    assert (counts["pending"], counts["held"], counts["notices"]) == (1, 1, 0)
    closed = {"thread": "article-1", "mode": "closed", "message": "Closed for the night."}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=closed).status_code == 200
    answer = reader.http.post("/api/v1/comments", json={"thread": "article-1", "body": "hello"})
    assert answer.status_code == 409
    assert reader.thread()["thread"]["open"] is False


def test_an_edit_that_turns_abusive_is_held_again(make_reader: Any) -> None:
    author, other = make_reader(), make_reader()
    comment = author.post("I think the minister is wrong about this.")
    assert other.thread()["thread"]["comment_count"] == 1
    edited = author.http.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": TOXIC, "nudged": True}
    )
    assert edited.status_code == 200 and edited.json()["status"] == "pending"
    assert other.thread()["comments"] == [] and other.thread()["thread"]["comment_count"] == 0


def test_fixing_a_typo_is_not_repeated_text(make_reader: Any) -> None:
    author = make_reader("Olena")
    comment = author.post("Thnak you for this report from the bridge at night.")
    fixed = author.http.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": "Thank you for this report from the bridge at night."},
    )
    assert fixed.json()["status"] == "visible", fixed.json()["held_reason"]
    again = author.post("Thank you for this report from the bridge at night!")
    assert again["status"] == "pending"  # the same text twice is still held
    assert again["held_reason"] == "You posted nearly the same text already."


def test_non_english_is_marked_not_scored(make_reader: Any, moderator: Reader) -> None:
    author = make_reader()
    comment = author.post("Дякую за чесний репортаж з фронту, чекаємо на продовження.")
    assert comment["status"] == "visible"
    details = moderator.http.get(f"/api/v1/moderation/comments/{comment['id']}").json()
    assert details["check"]["language"] == "uk" and details["check"]["toxicity"] is None
    assert any(r["code"] == "not-scored" for r in details["check"]["reasons"])


def test_moderators_cannot_ban_admins(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    admin = promote(services, make_reader("Admin"), "admin")
    answer = moderator.http.put(
        f"/api/v1/moderation/users/{admin.user['id']}/standing",  # type: ignore[index]
        json={"state": "banned"},
    )
    assert answer.status_code == 403
