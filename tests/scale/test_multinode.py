"""Two Townhall nodes on one PostgreSQL schema and one Redis, as behind a load balancer."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import _postgres_url, require_server
from tests.scale.sse import EventStream
from tests.support.server import TownhallServer, free_port

THREAD = "breaking-news"


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TownhallServer, TownhallServer]]:
    """Started once for the module: starting a node costs seconds."""
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TOWNHALL_TEST_REDIS_URL", "")
    if not base.startswith("postgresql") or not redis_url:
        pytest.skip(
            "the multi-node test needs TOWNHALL_TEST_DATABASE_URL (PostgreSQL) and"
            " TOWNHALL_TEST_REDIS_URL; scripts/test sets both in its second pass"
        )
    require_server(base, "PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
    require_server(redis_url, "Redis (TOWNHALL_TEST_REDIS_URL)")
    schema = _postgres_url(base)
    database_url = next(schema)
    tmp_path = tmp_path_factory.mktemp("nodes")
    env = {
        "TOWNHALL_DATABASE_URL": database_url,
        "TOWNHALL_REDIS_URL": redis_url,
        "TOWNHALL_REDIS_PREFIX": "mn-" + uuid.uuid4().hex[:10],
        "TOWNHALL_RATE_LIMITS_ENABLED": "true",
        "TOWNHALL_RATE_LIMIT_POST": "3/minute",
        "TOWNHALL_SITE_ORIGINS": "https://news.example.org",
        "TOWNHALL_LOG_LEVEL": "warning",
    }
    started: list[TownhallServer] = []
    try:
        for name in ("a", "b"):  # one after the other: the first one migrates
            node = TownhallServer(tmp_path / name, free_port(), env, serve_args=())
            node.start()
            started.append(node)
        yield started[0], started[1]
    finally:
        for node in started:
            node.stop()
        schema.close()  # drops the schema


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
