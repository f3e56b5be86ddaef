"""Anonymous reads come from the page cache with ETags; writes invalidate it at once."""

from __future__ import annotations

from typing import Any


def test_anonymous_reads_are_cacheable_and_revalidate_with_etags(
    make_reader: Any, anonymous: Any
) -> None:
    olena = make_reader("Olena")
    first = olena.post("The bridge is open again.")

    page = anonymous.http.get("/api/v1/comments", params={"thread": "article-1"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "public, max-age=5"
    etag = page.headers["etag"]
    assert [c["id"] for c in page.json()["comments"]] == [first["id"]]

    same = anonymous.http.get(
        "/api/v1/comments", params={"thread": "article-1"}, headers={"If-None-Match": etag}
    )
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag

    second = olena.post("Traffic is back to normal.")
    changed = anonymous.http.get(
        "/api/v1/comments", params={"thread": "article-1"}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert [c["id"] for c in changed.json()["comments"]] == [second["id"], first["id"]]

    olena.http.delete(f"/api/v1/comments/{second['id']}")
    after_delete = anonymous.thread()
    assert [c["id"] for c in after_delete["comments"]] == [first["id"]]


def test_each_sort_and_page_is_cached_separately(make_reader: Any, anonymous: Any) -> None:
    bodies = ["Schools reopen on Monday.", "The mayor spoke at noon.", "Trains run late tonight."]
    ids = [make_reader(f"Reader {n}").post(body)["id"] for n, body in enumerate(bodies)]
    assert [c["id"] for c in anonymous.thread(sort="newest")["comments"]] == ids[::-1]
    assert [c["id"] for c in anonymous.thread(sort="oldest")["comments"]] == ids


def test_signed_in_readers_get_private_uncached_pages(make_reader: Any) -> None:
    olena = make_reader("Olena")
    olena.post("Mine to edit.")
    page = olena.http.get("/api/v1/comments", params={"thread": "article-1"})
    assert page.headers["cache-control"] == "private, no-store"
    assert "etag" not in page.headers
    assert page.json()["comments"][0]["mine"] is True


def test_an_unknown_site_is_not_cached_as_a_page(anonymous: Any) -> None:
    missing = anonymous.http.get("/api/v1/comments", params={"thread": "a", "site": "nope"})
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]
