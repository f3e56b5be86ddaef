"""Every error leaves as application/problem+json (RFC 9457), with a detail that says
what to fix. Nothing unexpected leaves as a bare 500 page."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from townhall.errors import PROBLEM_BASE, TownhallError

log = logging.getLogger("townhall.api")


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "This field is required."
    if kind in {"string_too_long", "too_long"}:
        return f"At most {ctx.get('max_length', '?')} characters."
    if kind in {"string_too_short", "too_short"}:
        return f"At least {ctx.get('min_length', '?')} characters."
    return str(error.get("msg", "Invalid value."))


async def _validation(_request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = "The request body is not valid JSON (check quotes, commas and UTF-8)."
        body = {
            "type": PROBLEM_BASE + "malformed-body",
            "title": "Malformed request body",
            "status": 400,
            "detail": detail,
        }
        return problem_response(400, body)
    fields = [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    body = {
        "type": PROBLEM_BASE + "invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": f"Some fields need fixing. {summary}",
        "errors": fields,
    }
    return problem_response(422, body)


async def _townhall(_request: Request, exc: TownhallError) -> Response:
    return problem_response(exc.status, exc.problem(), exc.headers)


async def _http(_request: Request, exc: HTTPException) -> Response:
    titles = {404: "Not found", 405: "Method not allowed"}
    detail = exc.detail if isinstance(exc.detail, str) else "The request could not be served."
    if exc.status_code == 404:
        detail = "There is nothing at this address. The API is under /api/v1/."
    body = {
        "type": PROBLEM_BASE + str(exc.status_code),
        "title": titles.get(exc.status_code, "HTTP error"),
        "status": exc.status_code,
        "detail": detail,
    }
    return problem_response(exc.status_code, body, getattr(exc, "headers", None))


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    body = {
        "type": PROBLEM_BASE + "internal",
        "title": "Internal error",
        "status": 500,
        "detail": "Something went wrong on our side; nothing was changed. Try again.",
    }
    return problem_response(500, body)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(TownhallError, _townhall)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
