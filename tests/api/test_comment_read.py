"""One comment by id, as a live comment box fetches it after a `new` or `edited` event."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Reader
from townhall.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # "rumour" holds a comment for review, so a pending one is easy to make.
    return Settings.load(
        env={},
        data_dir=str(tmp_path),
        database_url=database_url,
        redis_prefix="test-" + uuid.uuid4().hex[:12],
        rate_limits_enabled=False,
        site_origins="https://news.example.org",
        moderation_suspect_words="rumour",
    )


def test_anyone_reads_a_published_comment_in_the_thread_shape(
    make_reader: Any, anonymous: Reader
) -> None:
    olena = make_reader("Olena")
    root = olena.post("A *fine* report")
    reply = olena.post("And a reply", parent_id=root["id"])
    answer = anonymous.http.get(f"/api/v1/comments/{reply['id']}")
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    thread_view = anonymous.thread()["comments"][0]["replies"][0]
    assert seen == thread_view
    assert seen["parent_id"] == root["id"] and seen["mine"] is False and seen["body"] is None
    own = olena.http.get(f"/api/v1/comments/{root['id']}").json()
    assert own["mine"] is True and own["body"] == "A *fine* report"
    assert "<em>fine</em>" in own["html"] and own["replies"] == []


def test_an_edit_shows_in_the_next_read(make_reader: Any, anonymous: Reader) -> None:
    olena = make_reader("Olena")
    comment = olena.post("first text")
    edited = olena.http.patch(f"/api/v1/comments/{comment['id']}", json={"body": "second text"})
    assert edited.status_code == 200
    seen = anonymous.http.get(f"/api/v1/comments/{comment['id']}").json()
    assert seen["html"] == "<p>second text</p>" and seen["edited_at"] is not None


def test_hidden_comments_answer_not_found_to_others(make_reader: Any, anonymous: Reader) -> None:
    olena, bohdan = make_reader("Olena"), make_reader("Bohdan")
    held = olena.post("I heard a rumour", nudged=True)  # insists past the nudge (#3)
    assert held["status"] == "pending"
    assert olena.http.get(f"/api/v1/comments/{held['id']}").json()["status"] == "pending"
    for reader in (bohdan, anonymous):
        answer = reader.http.get(f"/api/v1/comments/{held['id']}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")

    gone = olena.post("Soon deleted")
    assert olena.http.delete(f"/api/v1/comments/{gone['id']}").status_code == 204
    assert anonymous.http.get(f"/api/v1/comments/{gone['id']}").status_code == 404
    assert anonymous.http.get("/api/v1/comments/999999").status_code == 404


def test_a_deleted_comment_with_replies_reads_as_the_placeholder(
    make_reader: Any, anonymous: Reader
) -> None:
    olena, bohdan = make_reader("Olena"), make_reader("Bohdan")
    root = olena.post("Root")
    bohdan.post("Reply", parent_id=root["id"])
    assert olena.http.delete(f"/api/v1/comments/{root['id']}").status_code == 204
    seen = anonymous.http.get(f"/api/v1/comments/{root['id']}").json()
    assert seen["status"] == "deleted" and seen["html"] == "" and seen["author"] is None
