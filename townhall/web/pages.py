from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

PACKAGE = Path(__file__).resolve().parent.parent
WIDGET = PACKAGE / "widget"
TEMPLATES = PACKAGE / "templates"
WIDGET_FILES = {"townhall.js": "text/javascript", "townhall.css": "text/css"}


@dataclass(frozen=True)
class Asset:
    """A small file kept in memory as plain and gzip bytes, compressed once at start-up."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str

    @classmethod
    def load(cls, path: Path, media_type: str) -> Asset:
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:20]
        return cls(body, gzip.compress(body, 9, mtime=0), media_type, f'"{digest}"')

    def respond(self, request: Request, cache_control: str) -> Response:
        headers = {"ETag": self.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        body = self.body
        if "gzip" in request.headers.get("accept-encoding", ""):
            body = self.gzipped
            headers["Content-Encoding"] = "gzip"
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=self.media_type)
        return Response(body, headers=headers, media_type=self.media_type)


def demo_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    page = Asset.load(TEMPLATES / "demo.html", "text/html; charset=utf-8")

    @router.api_route("/", methods=["GET", "HEAD"])
    def demo_page(request: Request) -> Response:
        return page.respond(request, "no-cache")

    return router


def widget_router(default_language: str = "en") -> APIRouter:
    router = APIRouter(include_in_schema=False)
    assets = {name: Asset.load(WIDGET / name, kind) for name, kind in WIDGET_FILES.items()}
    # The box's catalogues (English is built into townhall.js): one small file per language.
    catalogues = {
        path.stem: Asset.load(path, "application/json")
        for path in sorted((WIDGET / "i18n").glob("*.json"))
    }
    catalogues["en"] = Asset(b"{}", gzip.compress(b"{}", 9, mtime=0), "application/json", '"en"')
    # A page that names no language gets the site's (the `language` setting).
    catalogues["default"] = catalogues.get(default_language, catalogues["en"])

    @router.api_route("/widget/i18n/{lang}.json", methods=["GET", "HEAD"])
    def widget_catalogue(lang: str, request: Request) -> Response:
        asset = catalogues.get(lang)
        if asset is None:
            return Response(status_code=404)
        response = asset.respond(request, "public, max-age=300")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @router.api_route("/widget/{name}", methods=["GET", "HEAD"])
    def widget_file(name: str, request: Request) -> Response:
        asset = assets.get(name)
        if asset is None:
            return Response(status_code=404)
        response = asset.respond(request, "public, max-age=300")
        # The box loads from publishers' pages on other origins.
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return router
