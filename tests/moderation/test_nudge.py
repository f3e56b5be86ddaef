"""The nudge before the hold (#3): when the rules or the classifier object, the comment is
not stored; its author reads why and may revise once. Sent again with "nudged": true it goes
through moderation again and is held, or published if it is now clean; never nudged twice."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote

TOXIC = "You are a fucking idiot and this article is shit."


def send(reader: Reader, body: str, **extra: Any) -> Any:
    return reader.http.post("/api/v1/comments", json={"thread": "article-1", "body": body, **extra})


def test_a_nudged_author_revises_and_the_comment_posts(make_reader: Any) -> None:
    author, other = make_reader("Taras"), make_reader("Iryna")
    answer = send(author, TOXIC)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("/comment-nudge")
    codes = {r["code"] for r in problem["reasons"]}
    assert codes >= {"suspect-word"}
    assert all(r["reason"] and r["reason"] in problem["detail"] for r in problem["reasons"])
    assert '"nudged": true' in problem["detail"]
    # Nothing was stored: not for the author, not for anyone else, not in the count.
    assert author.thread()["comments"] == [] and other.thread()["thread"]["comment_count"] == 0

    revised = send(author, "I disagree strongly with this article.", nudged=True)
    assert revised.status_code == 201 and revised.json()["status"] == "visible"
    assert [c["id"] for c in other.thread()["comments"]] == [revised.json()["id"]]


def test_an_author_who_insists_is_held_for_review_not_nudged_again(
    make_reader: Any, services: Any
) -> None:
    author, other = make_reader(), make_reader()
    moderator = promote(services, make_reader("Mod"))
    assert send(author, TOXIC).status_code == 422
    insisted = send(author, TOXIC + " I mean it.", nudged=True)
    assert insisted.status_code == 201, insisted.text
    held = insisted.json()
    assert held["status"] == "pending" and "moderator" in held["held_reason"]
    assert [c["id"] for c in author.thread()["comments"]] == [held["id"]]
    assert other.thread()["comments"] == []
    details = moderator.http.get(f"/api/v1/moderation/comments/{held['id']}").json()
    assert {"suspect-word", "toxic"} <= {r["code"] for r in details["check"]["reasons"]}


def test_an_edit_is_nudged_too_and_the_old_text_stays(make_reader: Any) -> None:
    author, other = make_reader(), make_reader()
    comment = author.post("I think the minister is wrong about this.")
    path = f"/api/v1/comments/{comment['id']}"
    nudged = author.http.patch(path, json={"body": TOXIC})
    assert nudged.status_code == 422 and nudged.json()["type"].endswith("/comment-nudge")
    assert "minister is wrong" in other.thread()["comments"][0]["html"]
    insisted = author.http.patch(path, json={"body": TOXIC, "nudged": True})
    assert insisted.status_code == 200 and insisted.json()["status"] == "pending"
    assert other.thread()["comments"] == []


def test_waits_and_clusters_are_not_nudged(make_reader: Any, moderator: Reader) -> None:
    """A pre-moderated story holds every comment whatever its words: no nudge then."""
    author = make_reader()
    author.post("Opening the discussion politely.")
    mode = {"thread": "article-1", "mode": "premoderated"}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    answer = send(author, TOXIC)
    assert answer.status_code == 201 and answer.json()["status"] == "pending"


def test_the_nudged_field_is_in_the_openapi_schema(anonymous: Reader) -> None:
    schemas = anonymous.http.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("CommentIn", "EditIn"):
        field = schemas[name]["properties"]["nudged"]
        assert field["type"] == "boolean" and "comment-nudge" in field["description"]
