"""The app's route table, flattened: hardening tests iterate it so that routes other areas
add are covered without editing these tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    in_schema: bool


def fastapi_app(app: Any) -> Any:
    """The FastAPI app under the outer ASGI middleware create_app wraps it in."""
    while not hasattr(app, "routes"):
        app = app.app
    return app


def _walk(candidates: list[Any], prefix: str, in_schema: bool) -> Iterator[RouteInfo]:
    for route in candidates:
        if hasattr(route, "effective_candidates"):  # an included router (FastAPI >= 0.120)
            context = route.include_context
            yield from _walk(
                route.effective_candidates(), "", in_schema and context.include_in_schema
            )
            continue
        original = getattr(route, "original_route", route)
        path = getattr(route, "path", None) or getattr(original, "path", None)
        methods = getattr(original, "methods", None)
        if not path or not methods:
            continue
        shown = in_schema and bool(getattr(original, "include_in_schema", True))
        yield RouteInfo(prefix + path, frozenset(methods), shown)


def routes(app: Any) -> list[RouteInfo]:
    return list(_walk(fastapi_app(app).routes, "", True))
