"""Atom feeds (#5): a thread's comments and a reader's replies, parsed as Atom with lxml.
Only published comments appear: never held or deleted ones, never an email address."""

from __future__ import annotations

from typing import Any

from lxml import etree

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.domain.services import Services

NS = {"a": "http://www.w3.org/2005/Atom", "thr": "http://purl.org/syndication/thread/1.0"}
ARTICLE = {
    "thread": "flood-2026",
    "title": "Flood <warning>",
    "url": "https://news.example.org/flood",
}


def atom(response: Any) -> etree._Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    # RFC 4287: a feed has an id, a title, updated and an author; each entry id, title, updated.
    for name in ("id", "title", "updated", "author/a:name"):
        assert root.find(f"a:{name}", NS) is not None, name
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated", "author/a:name", "content"):
            assert entry.find(f"a:{name}", NS) is not None, name
    return root


def contents(root: etree._Element) -> list[str]:
    return [e.findtext("a:content", namespaces=NS) or "" for e in root.findall("a:entry", NS)]


def test_thread_feed_has_published_comments_only(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    olena, taras = make_reader("Olena"), make_reader("Taras")
    first = olena.post("Water is up to the **bridge**.", **ARTICLE)
    reply = taras.post("<script>alert(1)</script> Stay safe.", parent_id=first["id"], **ARTICLE)
    gone = taras.post("I will delete this.", **ARTICLE)
    assert taras.http.delete(f"/api/v1/comments/{gone['id']}").status_code == 204
    moderator = promote(services, make_reader("Mod"))
    moderator.http.put(
        "/api/v1/moderation/threads/mode",
        json={"thread": ARTICLE["thread"], "mode": "premoderated"},
    )
    olena.post("Held until a moderator looks.", **ARTICLE)

    # The thread API names its feed, as an HTTP Link (RFC 8288).
    page = anonymous.http.get("/api/v1/comments", params={"thread": ARTICLE["thread"]})
    link = page.headers["link"]
    assert link == (
        '</feeds/thread.atom?site=default&thread=flood-2026>; rel="alternate";'
        ' type="application/atom+xml"'
    )
    response = anonymous.http.get(link[1 : link.index(">")])
    root = atom(response)
    assert root.findtext("a:title", namespaces=NS) == "Comments on Flood <warning>"
    texts = contents(root)
    assert len(texts) == 2
    assert "<strong>bridge</strong>" in texts[1]
    assert "<script" not in texts[0] and "Stay safe." in texts[0]
    assert not any("delete this" in t or "Held until" in t for t in texts)
    assert b"@example.org" not in response.content  # no emails
    newest = root.find("a:entry", NS)
    assert newest is not None
    assert newest.findtext("a:author/a:name", namespaces=NS) == "Taras"
    link = newest.find("a:link[@rel='alternate']", NS)
    assert link is not None
    assert link.get("href") == f"{ARTICLE['url']}#townhall-comment-{reply['id']}"
    in_reply_to = newest.find("thr:in-reply-to", NS)
    assert in_reply_to is not None and in_reply_to.get("ref", "").endswith(
        f"/comments/{first['id']}"
    )
    assert root.findtext("a:updated", namespaces=NS) == newest.findtext("a:updated", namespaces=NS)

    # The same feed by the thread's id (its self link names the thread by key).
    feed_id = root.findtext("a:id", namespaces=NS) or ""
    by_id = anonymous.http.get(feed_id.removeprefix("http://testserver"))
    assert contents(atom(by_id)) == texts

    # A conditional GET with the ETag answers 304; a new comment changes the feed.
    etag = response.headers["etag"]
    again = anonymous.http.get(
        "/feeds/thread.atom", params={"thread": ARTICLE["thread"]}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    moderator.http.put(
        "/api/v1/moderation/threads/mode", json={"thread": ARTICLE["thread"], "mode": "open"}
    )
    olena.post("Now it is receding.", **ARTICLE)
    fresh = anonymous.http.get(
        "/feeds/thread.atom", params={"thread": ARTICLE["thread"]}, headers={"If-None-Match": etag}
    )
    assert fresh.status_code == 200 and "Now it is receding." in contents(atom(fresh))[0]


def test_replies_feed_has_published_replies_to_the_reader(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    olena, taras = make_reader("Olena"), make_reader("Taras")
    mine = olena.post("Water is up to the bridge.", **ARTICLE)
    taras.post("Thanks for the warning.", parent_id=mine["id"], **ARTICLE)
    olena.post("Replying to myself.", parent_id=mine["id"], **ARTICLE)
    olena.post("A comment nobody answered.", **ARTICLE)
    moderator = promote(services, make_reader("Mod"))
    moderator.http.put(
        "/api/v1/moderation/threads/mode",
        json={"thread": ARTICLE["thread"], "mode": "premoderated"},
    )
    taras.post("A held reply.", parent_id=mine["id"], **ARTICLE)

    assert olena.user is not None
    response = anonymous.http.get(f"/feeds/users/{olena.user['id']}/replies.atom")
    root = atom(response)
    assert root.findtext("a:title", namespaces=NS) == "Replies to Olena"
    assert [t.strip() for t in contents(root)] == ["<p>Thanks for the warning.</p>"]
    assert b"@example.org" not in response.content


def test_feeds_of_what_does_not_exist_are_404(anonymous: Reader) -> None:
    for path in (
        "/feeds/thread.atom?thread=nothing-here",
        "/feeds/thread.atom?thread=x&site=no-such-site",
        "/feeds/threads/999999.atom",
        "/feeds/users/999999/replies.atom",
    ):
        response = anonymous.http.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    assert anonymous.http.get("/feeds/threads/0.atom").status_code == 422
    assert anonymous.http.get("/feeds/thread.atom").status_code == 422
