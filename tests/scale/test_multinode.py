"""Two Townhall nodes on one PostgreSQL schema and one Redis, as behind a load balancer."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from tests.scale.sse import EventStream
from tests.support.server import TownhallServer

THREAD = "breaking-news"


def _signup(node: TownhallServer, name: str) -> dict[str, str]:
    response = httpx.post(
        f"{node.url}/api/v1/auth/signup",
        json={
            "email": f"{uuid.uuid4().hex[:10]}@example.org",
            "password": "correct horse",
            "name": name,
        },
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _post(node: TownhallServer, auth: dict[str, str], body: str) -> httpx.Response:
    return httpx.post(
        f"{node.url}/api/v1/comments",
        json={"thread": THREAD, "body": body},
        headers={**auth, "Origin": "https://news.example.org"},
        # The first comment per process loads the moderation classifier: seconds, not ms.
        timeout=60,
    )


def test_a_comment_posted_on_one_node_reaches_readers_and_caches_of_the_other(
    nodes: tuple[TownhallServer, TownhallServer],
) -> None:
    a, b = nodes
    author = _signup(a, "Olena")
    first = _post(a, author, "First report from the square.")
    assert first.status_code == 201, first.text

    # An anonymous reader on B fills B's view of the shared cache...
    page = httpx.get(f"{b.url}/api/v1/comments", params={"thread": THREAD})
    etag = page.headers["etag"]
    assert page.headers["cache-control"] == "public, max-age=5"
    assert (
        httpx.get(
            f"{b.url}/api/v1/comments", params={"thread": THREAD}, headers={"If-None-Match": etag}
        ).status_code
        == 304
    )

    # ...and listens on B while the next comment is posted through A.
    stream = EventStream(f"{b.url}/api/v1/threads/events", {"thread": THREAD})
    try:
        ready = stream.next_of("ready")
        second = _post(a, author, "Second: the crowd is growing.")
        assert second.status_code == 201, second.text
        event = stream.next_of("new")
        assert json.loads(event.data) == {"type": "new", "id": second.json()["id"]}
        assert int(event.id or 0) == int(ready.id or 0) + 1
    finally:
        stream.close()

    # B's cached page was invalidated by A's write: new ETag, both comments.
    fresh = httpx.get(
        f"{b.url}/api/v1/comments", params={"thread": THREAD}, headers={"If-None-Match": etag}
    )
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert [c["id"] for c in fresh.json()["comments"]] == [second.json()["id"], first.json()["id"]]

    # A reader who dropped after "ready" reconnects to A and misses nothing.
    again = EventStream(
        f"{a.url}/api/v1/threads/events", {"thread": THREAD}, last_event_id=ready.id
    )
    try:
        replayed = again.next()
        assert replayed.event == "new" and replayed.id == event.id
    finally:
        again.close()


def test_a_rate_limit_reached_through_one_node_holds_on_the_other(
    nodes: tuple[TownhallServer, TownhallServer],
) -> None:
    a, b = nodes
    author = _signup(a, "Quick")
    for n in range(3):
        assert _post(a if n % 2 else b, author, f"Update {n}").status_code == 201
    refused = _post(b, author, "One too many")
    assert refused.status_code == 429, refused.text
    assert "Try again in" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) > 0
    assert _post(a, author, "Still too many").status_code == 429


def test_a_post_on_one_node_drops_the_other_nodes_edge_cache_at_once(
    nodes: tuple[TownhallServer, TownhallServer],
) -> None:
    """Each node answers anonymous pages and counts from its own memory (#7); a write on
    A reaches B's copy through the live pub/sub, long before the copy would expire."""
    a, b = nodes
    thread = f"edge-{uuid.uuid4().hex[:8]}"
    author = _signup(a, "Mykola")

    def post(body: str) -> int:
        answer = httpx.post(
            f"{a.url}/api/v1/comments",
            json={"thread": thread, "body": body},
            headers={**author, "Origin": "https://news.example.org"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    first = post("The ferry is running again this morning.")
    page = {"thread": thread}
    for _ in range(3):  # filled, then answered from B's edge
        cached = httpx.get(f"{b.url}/api/v1/comments", params=page)
        counted = httpx.get(f"{b.url}/api/v1/counts", params=page)
    assert [c["id"] for c in cached.json()["comments"]] == [first]
    assert counted.json()["counts"] == {thread: 1}

    second = post("The evening ferry is cancelled because of the wind.")
    deadline = time.monotonic() + 2  # entries live 5 s: fresher than that is invalidation
    while True:
        fresh = httpx.get(f"{b.url}/api/v1/comments", params=page).json()
        counts = httpx.get(f"{b.url}/api/v1/counts", params=page).json()["counts"]
        if [c["id"] for c in fresh["comments"]] == [second, first] and counts == {thread: 2}:
            break
        assert time.monotonic() < deadline, (fresh, counts)
        time.sleep(0.02)
