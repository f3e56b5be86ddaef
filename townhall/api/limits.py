"""Checks on the raw request, applied before anything parses it: the body's size, and the
NUL character (PostgreSQL text cannot hold it, so it is refused on SQLite too, alike)."""

from __future__ import annotations

import re

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.errors import PROBLEM_BASE

# U+0000 as a JSON escape: \u0000 after an even number of backslashes (\\u0000 is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(raw: bytes, percent_encoded: bool) -> bool:
    """NUL as a raw byte, %00 in a query or form, or a JSON escape in any other body."""
    if b"\x00" in raw:
        return True
    if percent_encoded:
        return b"%00" in raw
    return _JSON_NUL.search(raw) is not None


class BodyLimit:
    """Reads the body up to the cap (bodies here are small JSON) and replays it to the
    app, so an oversized or lying upload is refused with 413 before any parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _has_nul(scope["query_string"], True):
            await _nul_problem(send, "address")
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._reject(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        form = b"x-www-form-urlencoded" in dict(scope["headers"]).get(b"content-type", b"")
        if _has_nul(b"".join(chunks), form):
            await _nul_problem(send, "body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        detail = f"The request body is larger than {self.max_bytes:,} bytes."
        await _problem(send, 413, "body-too-large", "Request body too large", detail)


async def _nul_problem(send: Send, where: str) -> None:
    detail = (
        f"The request's {where} contains the NUL character (U+0000, %00 or \\u0000);"
        " text in Townhall may not contain it. Remove it and send the request again."
    )
    await _problem(send, 400, "nul-character", "NUL character in the request", detail)


async def _problem(send: Send, status: int, kind: str, title: str, detail: str) -> None:
    body = orjson.dumps(
        {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
