"""The edge cache (#7) answers anonymous thread pages and counts exactly as the full stack
does: the same bytes and headers, the same 304, and nothing stale after a write."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ORIGIN

PAGE = ("/api/v1/comments", {"thread": "article-1"})
COUNTS = ("/api/v1/counts", {"thread": ["article-1", "article-2"]})


def _clients(app: Any, origin: str = ORIGIN) -> tuple[TestClient, TestClient]:
    """One client through the edge; one straight to the stack behind it (the slow path)."""
    return (
        TestClient(app, headers={"Origin": origin}),
        TestClient(app.app, headers={"Origin": origin}),
    )


def _headers(response: Any) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != "date")


def test_a_cached_page_and_counts_are_the_same_bytes_and_headers_as_the_full_stack(
    app: Any, make_reader: Any
) -> None:
    make_reader("Olena").post("The bridge is open again.")
    fast, slow = _clients(app)
    for path, params in (PAGE, COUNTS):
        first = fast.get(path, params=params)  # fills the edge
        assert first.status_code == 200
        replayed = fast.get(path, params=params)
        direct = slow.get(path, params=params)
        assert replayed.content == direct.content == first.content
        assert _headers(replayed) == _headers(direct) == _headers(first)
        assert replayed.headers["cache-control"] == "public, max-age=5"
        assert replayed.headers["content-security-policy"].startswith("default-src 'none'")
    assert len(app) == 2


def test_the_edge_answers_304_with_the_full_stacks_headers(app: Any, make_reader: Any) -> None:
    make_reader("Olena").post("The bridge is open again.")
    fast, slow = _clients(app)
    for path, params in (PAGE, COUNTS):
        etag = fast.get(path, params=params).headers["etag"]
        conditional = {"If-None-Match": f'W/"other", {etag}'}
        replayed = fast.get(path, params=params, headers=conditional)
        direct = slow.get(path, params=params, headers=conditional)
        assert replayed.status_code == direct.status_code == 304
        assert replayed.content == direct.content == b""
        assert _headers(replayed) == _headers(direct)
        assert "content-security-policy" not in replayed.headers
        stale = fast.get(path, params=params, headers={"If-None-Match": '"0123"'})
        assert stale.status_code == 200 and stale.headers["etag"] == etag


def test_a_post_drops_the_cached_page_and_counts_at_once(app: Any, make_reader: Any) -> None:
    olena = make_reader("Olena")
    first = olena.post("First report from the square.")
    fast, _ = _clients(app)
    page = fast.get(PAGE[0], params=PAGE[1])
    etag = page.headers["etag"]
    assert fast.get(COUNTS[0], params=COUNTS[1]).json()["counts"] == {
        "article-1": 1,
        "article-2": 0,
    }
    assert fast.get(PAGE[0], params=PAGE[1], headers={"If-None-Match": etag}).status_code == 304

    second = olena.post("Second: the crowd is growing.")
    fresh = fast.get(PAGE[0], params=PAGE[1], headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert [c["id"] for c in fresh.json()["comments"]] == [second["id"], first["id"]]
    assert fast.get(COUNTS[0], params=COUNTS[1]).json()["counts"] == {
        "article-1": 2,
        "article-2": 0,
    }

    olena.post("A first comment on the other story.", thread="article-2")
    assert fast.get(COUNTS[0], params=COUNTS[1]).json()["counts"] == {
        "article-1": 2,
        "article-2": 1,
    }


def test_a_reaction_drops_the_cached_page(app: Any, make_reader: Any) -> None:
    comment = make_reader("Olena").post("The bridge is open again.")
    fast, _ = _clients(app)
    assert fast.get(PAGE[0], params=PAGE[1]).json()["comments"][0]["reaction_count"] == 0
    reader = make_reader("Taras")
    assert reader.http.put(f"/api/v1/comments/{comment['id']}/reaction").status_code == 200
    assert fast.get(PAGE[0], params=PAGE[1]).json()["comments"][0]["reaction_count"] == 1


def test_signed_in_readers_and_other_origins_never_get_a_cached_answer(
    app: Any, make_reader: Any
) -> None:
    olena = make_reader("Olena")
    olena.post("Mine to edit.")
    fast, _ = _clients(app)
    fast.get(PAGE[0], params=PAGE[1])  # an anonymous page is cached now
    mine = olena.http.get(PAGE[0], params=PAGE[1])  # with the session cookie
    assert mine.headers["cache-control"] == "private, no-store"
    assert mine.json()["comments"][0]["mine"] is True
    signup = fast.post(
        "/api/v1/auth/signup",
        json={"email": "taras@example.org", "password": "correct horse", "name": "Taras"},
    )
    bearer = {"Authorization": f"Bearer {signup.json()['token']}"}
    fast.cookies.clear()
    assert (
        fast.get(PAGE[0], params=PAGE[1], headers=bearer).headers["cache-control"]
        == "private, no-store"
    )

    publisher, _ = _clients(app, origin="https://news.example.org")
    other, _ = _clients(app, origin="https://elsewhere.example.com")
    assert publisher.get(PAGE[0], params=PAGE[1]).headers["access-control-allow-origin"] == (
        "https://news.example.org"
    )
    assert "access-control-allow-origin" not in other.get(PAGE[0], params=PAGE[1]).headers


def test_only_successful_public_answers_are_kept(app: Any) -> None:
    fast, _ = _clients(app)
    assert fast.get("/api/v1/comments", params={"thread": "a", "site": "nope"}).status_code == 404
    assert fast.get("/api/v1/counts").status_code in (400, 422)
    assert len(app) == 0


class _CountingStack:
    """The stack behind the edge, counting the page renders it is asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.renders = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        conditional = any(name == b"if-none-match" for name, _ in scope.get("headers", []))
        if scope["type"] == "http" and scope["path"] == PAGE[0] and not conditional:
            self.renders += 1
        await self.inner(scope, receive, send)


async def _many_readers(app: Any, readers: int) -> list[Any]:
    import asyncio

    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        return await asyncio.gather(*(client.get(PAGE[0], params=PAGE[1]) for _ in range(readers)))


def test_readers_arriving_together_get_one_render_of_a_missing_page(
    app: Any, make_reader: Any
) -> None:
    import asyncio

    make_reader("Olena").post("Sirens again over the river district.")
    stack = app.app = _CountingStack(app.app)
    answers = asyncio.run(_many_readers(app, 30))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert stack.renders == 1  # one reader rendered it; 29 waited for that answer


def test_a_page_past_its_age_is_served_old_to_others_while_one_reader_refreshes_it(
    app: Any, make_reader: Any, monkeypatch: Any
) -> None:
    import asyncio
    import time

    from townhall.api import edge_cache

    make_reader("Olena").post("Sirens again over the river district.")
    monkeypatch.setattr(edge_cache, "EDGE_SECONDS", 0.05)
    stack = app.app = _CountingStack(app.app)
    first = asyncio.run(_many_readers(app, 1))[0]
    time.sleep(0.1)  # older than EDGE_SECONDS now; no write dropped it
    answers = asyncio.run(_many_readers(app, 30))
    assert {a.content for a in answers} == {first.content}
    assert stack.renders == 2  # the first fill and one refresh, not 30
