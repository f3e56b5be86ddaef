"""Bad input gets a 4xx problem document that says what to fix; nothing stored is harmed."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import Reader

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: Any, status: int, says: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert PROBLEM_KEYS <= body.keys() and body["status"] == status
    assert says in body["detail"], body["detail"]
    return body


@pytest.fixture
def author(make_reader: Any) -> Reader:
    reader: Reader = make_reader("Author")
    reader.post("the original, which must survive")
    return reader


def test_malformed_json(author: Reader) -> None:
    response = author.http.post(
        "/api/v1/comments", content=b'{"thread": "article-1", "body": ', headers=_json()
    )
    assert_problem(response, 400, "not valid JSON")


def test_invalid_utf8(author: Reader) -> None:
    response = author.http.post(
        "/api/v1/comments",
        content=b'{"thread": "article-1", "body": "caf\xe9 \xff"}',
        headers=_json(),
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_ten_megabyte_body(author: Reader) -> None:
    response = author.http.post("/api/v1/comments", content=b"x" * 10_000_000, headers=_json())
    assert_problem(response, 413, "larger than")


def test_hundred_thousand_character_comment(author: Reader) -> None:
    response = author.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "я" * 100_000}
    )
    # 200 KB of UTF-8: over the body cap, so refused before parsing.
    assert response.status_code in (413, 422)
    response = author.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "a" * 12_400}
    )
    body = assert_problem(response, 422, "12,400 characters; the limit is 10,000")
    assert body["errors"][0]["field"] == "body"


def test_missing_and_wrong_typed_fields(author: Reader) -> None:
    response = author.http.post("/api/v1/comments", json={"body": "no thread"})
    body = assert_problem(response, 422, "thread")
    assert body["errors"] == [{"field": "thread", "message": "This field is required."}]
    response = author.http.post("/api/v1/comments", json={"thread": 5, "body": ["x"]})
    assert response.status_code == 422
    response = author.http.post("/api/v1/comments", json=[1, 2])
    assert response.status_code == 422
    response = author.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "x", "admin": True}
    )
    assert_problem(response, 422, "admin")


def test_empty_comment(author: Reader) -> None:
    response = author.http.post("/api/v1/comments", json={"thread": "article-1", "body": "  \n"})
    assert_problem(response, 422, "empty")


def test_unknown_comment_and_parent(author: Reader) -> None:
    assert_problem(author.http.patch("/api/v1/comments/999999", json={"body": "x"}), 404, "999999")
    assert_problem(author.http.delete("/api/v1/comments/999999"), 404, "999999")
    assert_problem(author.http.put("/api/v1/comments/999999/reaction"), 404, "999999")
    response = author.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "x", "parent_id": 999999}
    )
    assert_problem(response, 404, "replying to")
    assert author.http.get("/api/v1/comments/abc/replies").status_code == 422
    assert author.http.get("/api/v1/comments/0/replies").status_code == 422


def test_nul_characters_are_refused_everywhere(author: Reader) -> None:
    """PostgreSQL text cannot hold U+0000 (the fuzzer found a 500 there); both databases
    refuse it alike, in the address, a JSON body or a form, and a backslash before u0000
    typed as text is still accepted."""
    assert_problem(author.http.get("/api/v1/comments?thread=a&site=%00"), 400, "NUL")
    assert_problem(author.http.get("/api/v1/comments/1%00"), 400, "NUL")
    raw = b'{"thread": "article-1", "body": "bad \\u0000 byte"}'  # a JSON escape of NUL
    response = author.http.post(
        "/api/v1/comments", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "NUL")
    form = author.http.post("/auth/magic", data={"token": "x\x00y"})
    assert_problem(form, 400, "NUL")
    typed = author.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": "Escapes look like \\u0000."}
    )
    assert typed.status_code == 201, typed.text
    assert typed.json()["body"] == "Escapes look like \\u0000."


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/comments/{id}"),
        ("DELETE", "/api/v1/auth/sessions/{id}"),
        ("POST", "/api/v1/comments/{id}/reports"),
        ("PUT", "/api/v1/moderation/users/{id}/standing"),
    ],
)
def test_ids_beyond_any_row_are_refused_not_overflowed(
    author: Reader, method: str, path: str
) -> None:
    """A 64-bit overflow in a path id (found by the fuzzer) is a 422 that names the limit."""
    response = author.http.request(method, path.format(id=2**63))
    assert response.status_code == 422, response.text
    assert "less than or equal to" in response.text


def test_ids_in_a_body_beyond_any_row_are_refused(author: Reader) -> None:
    body = {"comment_ids": [2**63], "action": "reject"}
    response = author.http.post("/api/v1/moderation/decisions", json=body)
    assert response.status_code == 422, response.text
    assert "less than or equal to" in response.text


def test_not_signed_in(anonymous: Reader, author: Reader) -> None:
    response = anonymous.http.post("/api/v1/comments", json={"thread": "article-1", "body": "x"})
    assert_problem(response, 401, "Sign in")


def test_bad_cursor_and_sort(anonymous: Reader) -> None:
    response = anonymous.http.get("/api/v1/comments", params={"thread": "a", "cursor": "!!"})
    assert_problem(response, 422, "cursor")
    response = anonymous.http.get("/api/v1/comments", params={"thread": "a", "sort": "best"})
    assert response.status_code == 422
    assert_problem(anonymous.http.get("/api/v1/comments"), 422, "thread")


def test_unknown_site_and_route(anonymous: Reader) -> None:
    response = anonymous.http.get("/api/v1/comments", params={"thread": "a", "site": "nope"})
    assert_problem(response, 404, "no site")
    assert_problem(anonymous.http.get("/api/v1/nothing-here"), 404, "/api/v1/")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "<svg/onload=alert(1)>",
        '"><iframe src="https://evil.example"></iframe>',
    ],
)
def test_script_and_html_payloads_are_stored_as_text(author: Reader, payload: str) -> None:
    comment = author.post(payload)
    tags = _tags(comment["html"])
    assert {name for name, _ in tags} <= {"p", "a"}
    for _, attrs in tags:
        assert all(not key.startswith("on") for key, _ in attrs)
        assert all("javascript:" not in (value or "") for _, value in attrs)
    assert comment["body"] == payload


def test_nothing_stored_was_damaged(author: Reader) -> None:
    for bad in (b"{", b"\xff\xfe", b'{"thread": "article-1", "body": 1}'):
        author.http.post("/api/v1/comments", content=bad, headers=_json())
    page = author.thread()
    assert [c["body"] for c in page["comments"]] == ["the original, which must survive"]
    assert page["thread"]["comment_count"] == 1


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}
