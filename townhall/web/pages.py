from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

PACKAGE = Path(__file__).resolve().parent.parent
WIDGET = PACKAGE / "widget"
TEMPLATES = PACKAGE / "templates"
WIDGET_FILES = {"townhall.js": "text/javascript", "townhall.css": "text/css"}


def demo_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def demo_page() -> Response:
        return FileResponse(TEMPLATES / "demo.html", media_type="text/html; charset=utf-8")

    return router


def widget_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/widget/{name}")
    def widget_file(name: str) -> Response:
        if name not in WIDGET_FILES:
            return Response(status_code=404)
        return FileResponse(
            WIDGET / name,
            media_type=WIDGET_FILES[name],
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    return router
