"""Isso's client talking to Townhall: the answers it reads, shaped as Isso's server shapes them."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from townhall.app import create_app
from townhall.domain.services import Services

PAGE = "https://news.example.org"
URI = "/2026/harbour-bridge/"


def isso_client(app: Any) -> TestClient:
    """A browser on the publisher's page, as Isso's client calls: JSON, with credentials."""
    return TestClient(app, headers={"Origin": PAGE, "Content-Type": "application/json"})


def post(client: TestClient, text: str, uri: str = URI, **fields: Any) -> Any:
    return client.post("/isso/new", params={"uri": uri}, json={"text": text, **fields})


def test_post_then_read_the_thread_with_replies(app: Any) -> None:
    olena = isso_client(app)
    first = post(olena, "The *bridge* reopens on Monday.", author="Olena", email="o@example.org",
                 website="https://olena.example", title="Harbour bridge")  # fmt: skip
    assert first.status_code == 201, first.text
    top = first.json()
    assert set(top) >= {"id", "parent", "text", "author", "website", "mode", "created",
                        "modified", "likes", "dislikes", "hash"}  # fmt: skip
    assert top["text"] == "<p>The <em>bridge</em> reopens on Monday.</p>"
    assert (top["author"], top["mode"], top["parent"], top["modified"]) == ("Olena", 1, None, None)
    assert isinstance(top["created"], float)

    reply = post(isso_client(app), "Finally, after two years.", author="Ben", parent=top["id"])
    assert reply.status_code == 201, reply.text
    deeper = post(isso_client(app), "Two and a half.", author="Olena", email="o@example.org",
                  parent=reply.json()["id"])  # fmt: skip
    # Isso shows two levels: a reply to a reply hangs under the top-level comment.
    assert deeper.json()["parent"] == top["id"]
    # The same name and email is the same guest (same hash); another reader is not.
    assert deeper.json()["hash"] == top["hash"] != reply.json()["hash"]

    thread = isso_client(app).get("/isso/", params={"uri": URI, "nested_limit": 5}).json()
    assert thread["total_replies"] == 3 and thread["hidden_replies"] == 0
    assert thread["config"]["reply-to-self"] is False
    (only,) = thread["replies"]
    assert only["id"] == top["id"] and only["total_replies"] == 2
    assert [r["text"] for r in only["replies"]] == [
        "<p>Finally, after two years.</p>",
        "<p>Two and a half.</p>",
    ]

    limited = isso_client(app).get("/isso/", params={"uri": URI, "nested_limit": 1}).json()
    assert limited["replies"][0]["hidden_replies"] == 1
    rest = (
        isso_client(app)
        .get("/isso/", params={"uri": URI, "parent": top["id"], "offset": 1, "limit": 5})
        .json()
    )
    assert [r["text"] for r in rest["replies"]] == ["<p>Two and a half.</p>"]
    plain = isso_client(app).get("/isso/", params={"uri": URI, "plain": 1}).json()
    assert plain["replies"][0]["text"] == "The *bridge* reopens on Monday."
    later = isso_client(app).get("/isso/", params={"uri": URI, "after": top["created"]}).json()
    assert later["replies"] == []

    empty = isso_client(app).get("/isso/", params={"uri": "/nothing-yet/"}).json()
    assert (empty["total_replies"], empty["replies"]) == (0, [])


def test_the_thread_is_townhalls_own(app: Any) -> None:
    """Isso comments are Townhall comments: the box shows them, the thread knows its page."""
    post(isso_client(app), "Seen from the box too.", author="Ana", title="Harbour bridge")
    box = TestClient(app).get("/api/v1/comments", params={"thread": URI}).json()
    assert box["thread"]["url"] == PAGE + URI and box["thread"]["title"] == "Harbour bridge"
    (comment,) = box["comments"]
    assert comment["author"]["name"] == "Ana"


def test_edit_and_delete_need_the_authors_cookie(app: Any) -> None:
    author = isso_client(app)
    created = post(author, "Frist comment, sorry.", author="Kim")
    comment_id = created.json()["id"]
    assert created.headers["x-set-cookie"].startswith(f"isso-{comment_id}=")
    assert author.cookies.get(str(comment_id))

    stranger = isso_client(app)
    assert stranger.get(f"/isso/id/{comment_id}").status_code == 403
    refused = stranger.put(f"/isso/id/{comment_id}", json={"text": "Hijacked text here."})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert stranger.delete(f"/isso/id/{comment_id}").status_code == 403

    raw = author.get(f"/isso/id/{comment_id}", params={"plain": 1}).json()
    assert raw["text"] == "Frist comment, sorry."
    edited = author.put(f"/isso/id/{comment_id}", json={"text": "First comment, *fixed*."})
    assert edited.status_code == 200, edited.text
    assert edited.json()["text"] == "<p>First comment, <em>fixed</em>.</p>"
    assert edited.json()["modified"] is not None
    # A cookie copied before the edit no longer counts (it signs the old text).
    old = created.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    replay = TestClient(app, headers={"Origin": PAGE}, cookies={str(comment_id): old})
    assert replay.delete(f"/isso/id/{comment_id}").status_code == 403

    gone = author.delete(f"/isso/id/{comment_id}")
    assert gone.status_code == 200 and gone.json() is None
    assert "Max-Age=0" in gone.headers["x-set-cookie"]
    thread = isso_client(app).get("/isso/", params={"uri": URI}).json()
    assert thread["total_replies"] == 0


def test_deleting_a_comment_with_replies_leaves_its_placeholder(app: Any) -> None:
    author = isso_client(app)
    top = post(author, "Question about the tolls?", author="Ria").json()
    post(isso_client(app), "They stay the same.", author="Tom", parent=top["id"])
    kept = author.delete(f"/isso/id/{top['id']}").json()
    assert (kept["mode"], kept["text"], kept["author"]) == (4, "", None)
    thread = isso_client(app).get("/isso/", params={"uri": URI}).json()
    assert thread["replies"][0]["mode"] == 4
    assert thread["replies"][0]["replies"][0]["text"] == "<p>They stay the same.</p>"


def test_likes_count_once_per_address_and_a_dislike_takes_it_back(app: Any) -> None:
    comment_id = post(isso_client(app), "Good reporting, thanks.", author="Lu").json()["id"]
    voter = isso_client(app)
    assert voter.post(f"/isso/id/{comment_id}/like").json() == {"likes": 1, "dislikes": 0}
    assert voter.post(f"/isso/id/{comment_id}/like").json() == {"likes": 1, "dislikes": 0}
    assert voter.post(f"/isso/id/{comment_id}/dislike").json() == {"likes": 0, "dislikes": 0}
    assert voter.post("/isso/id/999999/like").status_code == 404


def test_counts_preview_config_and_feed(app: Any) -> None:
    post(isso_client(app), "One comment here.", author="Al")
    post(isso_client(app), "Another on another page.", uri="/other/")
    counts = isso_client(app).post("/isso/count", json=[URI, "/other/", "/none/"])
    assert counts.json() == [1, 1, 0]
    assert isso_client(app).post("/isso/count", json={"uri": URI}).status_code == 422

    preview = isso_client(app).post("/isso/preview", json={"text": "**bold** <script>x</script>"})
    assert preview.json()["text"].startswith("<p><strong>bold</strong>")
    assert "<script>" not in preview.json()["text"]

    config = isso_client(app).get("/isso/config").json()["config"]
    assert config["require-email"] is False and config["feed"] is True
    assert isso_client(app).get("/isso/css/isso.css").headers["content-type"].startswith("text/css")

    feed = isso_client(app).get("/isso/feed", params={"uri": URI})
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert b'<content type="html">&lt;p&gt;One comment here.&lt;/p&gt;</content>' in feed.content
    assert b"<name>Al</name>" in feed.content


def test_moderation_screens_isso_comments(settings: Any) -> None:
    strict = settings.replace(moderation_suspect_words="tollgate")
    services = Services.build(strict)
    held_app = create_app(strict, services)
    answer = post(isso_client(held_app), "What about the tollgate money?", author="Max")
    assert answer.status_code == 202 and answer.json()["mode"] == 2
    thread = isso_client(held_app).get("/isso/", params={"uri": URI}).json()
    assert thread["total_replies"] == 0
    services.close()


def test_guests_are_not_accounts_anyone_can_sign_into(app: Any, services: Any) -> None:
    post(isso_client(app), "Hello from a guest.", author="Vera", email="vera@example.org")
    signin = TestClient(app, headers={"Origin": PAGE}).post(
        "/api/v1/auth/signin", json={"email": "vera@example.org", "password": "anything at all"}
    )
    assert signin.status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"text": "ab"}, {"text": "fine text", "parent": "1"}, {"text": "fine", "author": "x" * 300}],
)
def test_bad_forms_say_what_is_wrong(app: Any, body: dict[str, Any]) -> None:
    answer = isso_client(app).post("/isso/new", params={"uri": URI}, json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_writes_from_other_sites_are_refused(app: Any) -> None:
    evil = TestClient(app, headers={"Origin": "https://evil.example"})
    assert (
        evil.post("/isso/new", params={"uri": URI}, json={"text": "spam spam"}).status_code == 403
    )


def test_an_empty_prefix_turns_the_api_off(settings: Any, services: Any) -> None:
    off = create_app(settings.replace(isso_prefix=""), services)
    assert TestClient(off).get("/isso/config").status_code == 404


def test_isso_endpoints_townhall_does_not_serve_are_not_found(app: Any) -> None:
    """docs/isso.md lists them: Isso's admin, login, demo, moderation and mail links."""
    client = isso_client(app)
    comment = post(client, "A comment to point the links at.").json()["id"]
    for method, path in [
        ("GET", "/isso/latest"),
        ("GET", "/isso/pending"),
        ("GET", f"/isso/id/{comment}/unsubscribe/o%40example.org/key"),
        ("GET", f"/isso/id/{comment}/activate/key"),
        ("POST", f"/isso/id/{comment}/delete/key"),
        ("GET", "/isso/admin/"),
        ("POST", "/isso/login/"),
        ("GET", "/isso/demo/"),
    ]:
        assert client.request(method, path).status_code in (404, 405), path
    assert client.get(f"/isso/id/{comment}").status_code == 200
