"""The story of a thread: first comment, replies, reactions, edits, deletes, paging."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader


def test_an_empty_thread_reads_as_open_with_no_comments(anonymous: Reader) -> None:
    page = anonymous.thread("never-commented")
    assert page["thread"] == {
        "key": "never-commented",
        "title": None,
        "url": None,
        "open": True,
        "comment_count": 0,
    }
    assert page["comments"] == [] and page["next_cursor"] is None


def test_first_comment_creates_the_thread_and_renders_markdown(make_reader: Any) -> None:
    olena = make_reader("Olena")
    comment = olena.post(
        "Thanks for the *report*. See https://example.org",
        title="Front line report",
        url="https://news.example.org/frontline",
    )
    assert comment["author"]["name"] == "Olena"
    assert comment["mine"] and comment["body"].startswith("Thanks")
    assert "<em>report</em>" in comment["html"]
    assert 'rel="nofollow ugc noopener"' in comment["html"]
    page = olena.thread()
    assert page["thread"]["title"] == "Front line report"
    assert page["thread"]["comment_count"] == 1
    assert [c["id"] for c in page["comments"]] == [comment["id"]]


def test_replies_nest_and_deep_chains_flatten(make_reader: Any) -> None:
    a, b = make_reader("A"), make_reader("B")
    root = a.post("root")
    chain = [root]
    for level in range(1, 6):
        author = b if level % 2 else a
        chain.append(author.post(f"level {level}", parent_id=chain[-1]["id"]))
    page = a.thread()
    top = page["comments"][0]
    assert top["reply_count"] == 1
    level1 = top["replies"][0]
    level2 = level1["replies"][0]
    assert [c["body"] for c in (level1, level2)] == [None, "level 2"]  # body only for author
    # Levels 3, 4 and 5 are shown at depth 3, side by side under level 2.
    flattened = level2["replies"]
    assert [c["depth"] for c in flattened] == [3, 3, 3]
    assert [c["reply_to"]["name"] for c in flattened] == ["A", "B", "A"]
    assert flattened[1]["reply_to"]["id"] == chain[3]["id"]
    assert page["thread"]["comment_count"] == 6


def test_reply_to_a_comment_of_another_thread_is_refused(make_reader: Any) -> None:
    a = make_reader("A")
    other = a.post("elsewhere", thread="article-2")
    response = a.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "x", "parent_id": other["id"]}
    )
    assert response.status_code == 404 or response.status_code == 422
    a.post("now the thread exists")
    response = a.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "x", "parent_id": other["id"]}
    )
    assert response.status_code == 422
    assert "another thread" in response.json()["detail"]


def test_reactions_one_per_reader(make_reader: Any) -> None:
    a, b, c = make_reader("A"), make_reader("B"), make_reader("C")
    comment = a.post("react to me")
    url = f"/api/v1/comments/{comment['id']}/reaction"
    assert b.http.put(url).json() == {"reaction_count": 1, "reacted": True}
    assert b.http.put(url).json() == {"reaction_count": 1, "reacted": True}
    assert c.http.put(url).json()["reaction_count"] == 2
    assert b.thread()["comments"][0]["reacted"] is True
    assert a.thread()["comments"][0]["reacted"] is False
    assert b.http.delete(url).json() == {"reaction_count": 1, "reacted": False}
    assert a.thread()["comments"][0]["reaction_count"] == 1


def test_edit_within_the_window_only_and_only_your_own(make_reader: Any, services: Any) -> None:
    a, b = make_reader("A"), make_reader("B")
    comment = a.post("a typo hree")
    url = f"/api/v1/comments/{comment['id']}"
    assert b.http.patch(url, json={"body": "hijack"}).status_code == 403
    edited = a.http.patch(url, json={"body": "a typo here"})
    assert edited.status_code == 200
    assert edited.json()["edited_at"] is not None
    assert edited.json()["html"] == "<p>a typo here</p>"

    class Later:
        def now_ms(self) -> int:
            return comment_time + 16 * 60_000

    comment_time = services.clock.now_ms()
    services.clock = Later()
    late = a.http.patch(url, json={"body": "too late"})
    assert late.status_code == 409
    assert "15 minutes" in late.json()["detail"]


def test_deleted_comment_with_replies_stays_as_placeholder(make_reader: Any) -> None:
    a, b = make_reader("A"), make_reader("B")
    parent = a.post("parent")
    reply = b.post("reply", parent_id=parent["id"])
    lonely = a.post("lonely")
    assert b.http.delete(f"/api/v1/comments/{parent['id']}").status_code == 403
    assert a.http.delete(f"/api/v1/comments/{parent['id']}").status_code == 204
    assert a.http.delete(f"/api/v1/comments/{lonely['id']}").status_code == 204
    page = b.thread()
    assert [c["id"] for c in page["comments"]] == [parent["id"]]
    placeholder = page["comments"][0]
    assert placeholder["status"] == "deleted"
    assert placeholder["html"] == "" and placeholder["author"] is None
    assert placeholder["replies"][0]["id"] == reply["id"]
    assert page["thread"]["comment_count"] == 1
    # Deleting the last reply takes the placeholder away too.
    assert b.http.delete(f"/api/v1/comments/{reply['id']}").status_code == 204
    assert b.thread()["comments"] == []


def test_sorting_and_cursor_pagination(make_reader: Any, anonymous: Reader) -> None:
    a, b = make_reader("A"), make_reader("B")
    posted = [a.post(f"comment {i}") for i in range(45)]
    b.http.put(f"/api/v1/comments/{posted[10]['id']}/reaction")
    seen: list[int] = []
    cursor = None
    while True:
        params = {"sort": "oldest"} | ({"cursor": cursor} if cursor else {})
        page = anonymous.thread(**params)
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in posted]
    newest = anonymous.thread(sort="newest")["comments"]
    assert newest[0]["id"] == posted[-1]["id"] and len(newest) == 20
    assert anonymous.thread(sort="top")["comments"][0]["id"] == posted[10]["id"]


def test_long_reply_lists_load_more(make_reader: Any, anonymous: Reader) -> None:
    a, b = make_reader("A"), make_reader("B")
    root = a.post("popular")
    replies = [b.post(f"reply {i}", parent_id=root["id"]) for i in range(25)]
    top = anonymous.thread()["comments"][0]
    assert len(top["replies"]) == 20 and top["replies_cursor"]
    more = anonymous.http.get(
        f"/api/v1/comments/{root['id']}/replies", params={"cursor": top["replies_cursor"]}
    ).json()
    assert [r["id"] for r in more["replies"]] == [r["id"] for r in replies[20:]]
    assert more["next_cursor"] is None


def test_counts_for_an_article_list(make_reader: Any, anonymous: Reader) -> None:
    a = make_reader("A")
    a.post("one", thread="k1")
    a.post("two", thread="k1")
    a.post("three", thread="k2")
    response = anonymous.http.get(
        "/api/v1/counts", params=[("thread", k) for k in "k1 k2 k3".split()]
    )
    assert response.json() == {"counts": {"k1": 2, "k2": 1, "k3": 0}}


def test_thread_is_created_only_from_an_allowed_origin(app: Any) -> None:
    publisher_page = Reader(app, origin="https://news.example.org").signup("P")
    publisher_page.post("hello from the paper", thread="from-news")
    server_client = Reader(app).signup("S")
    server_client.http.headers.pop("Origin")
    response = server_client.http.post("/api/v1/comments", json={"thread": "new-one", "body": "x"})
    assert response.status_code == 404
    assert "created by the first comment" in response.json()["detail"]


def test_preview_renders_without_storing(make_reader: Any, anonymous: Reader) -> None:
    response = anonymous.http.post("/api/v1/preview", json={"body": "**bold**"})
    assert response.json() == {"html": "<p><strong>bold</strong></p>"}
    assert anonymous.thread()["thread"]["comment_count"] == 0
