"""Dashboard pages: sign-in, queues, users' standing, story modes, the audit trail and, for
admins, a site's export as a download.

Every page asks a domain verb for its data; the verb's access check decides who may see it.
A signed-out visitor is sent to the sign-in page, a reader gets the "moderators only" page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from townhall.api.deps import current_user, services
from townhall.domain import moderation, sites
from townhall.domain.access import access_admin
from townhall.domain.services import Services
from townhall.errors import Forbidden, NotSignedIn, TownhallError
from townhall.importers import native
from townhall.web.pages import Asset

HERE = Path(__file__).resolve().parent
STATIC = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    "curation.js": "text/javascript",  # feature, edit with a note, notices (#3)
}
QUEUES = {
    "pending": "Pending",
    "held": "Held by the pipeline",
    "reported": "Reported",
    "clusters": "Held clusters",
    "notices": "Illegal-content notices",
    "approved": "Approved",
    "rejected": "Rejected",
}
REASON_NAMES = {
    "abuse": "Abuse",
    "spam": "Spam",
    "off-topic": "Off-topic",
    "misinformation": "Misinformation",
    "other": "Other",
}
NO_STORE = {"Cache-Control": "no-store"}

Context = dict[str, Any]


def _when(ms: int | None) -> str:
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.globals.update(queues=QUEUES, reason_names=REASON_NAMES)
    return env


def _with_reports(svc: Services, user: dict[str, Any], rows: list[Context]) -> list[Context]:
    """Open reports (reason, text) of the rows readers reported."""
    for row in rows:
        row["reports"] = []
        if row.get("report_count"):
            found = moderation.comment_details(svc, user=user, comment_id=row["id"])
            row["reports"] = found["reports"]
    return rows


def _clusters(rows: list[Context], known: list[Context]) -> list[Context]:
    """Held comments grouped by their cluster, in the order the store gave them."""
    labels = {c["id"]: c for c in known}
    groups: dict[int, Context] = {}
    for row in rows:
        cid = row["cluster_id"]
        group = groups.setdefault(
            cid,
            {
                "id": cid,
                "label": labels.get(cid, {}).get("label", "Similar comments"),
                "kind": labels.get(cid, {}).get("kind", ""),
                "comments": [],
            },
        )
        group["comments"].append(row)
    return list(groups.values())


def _download_name(slug: str, now_ms: int) -> str:
    day = datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y-%m-%d")
    return f"townhall-{re.sub(r'[^A-Za-z0-9_-]', '_', slug)}-{day}.jsonl"


def dashboard_router() -> APIRouter:
    router = APIRouter(prefix="/dashboard", include_in_schema=False)
    env = _environment()
    assets = {name: Asset.load(HERE / "static" / name, kind) for name, kind in STATIC.items()}

    def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(template).render(**context)
        return HTMLResponse(html, status, headers=NO_STORE)

    def page(
        request: Request, template: str, build: Callable[[Services, dict[str, Any]], Context]
    ) -> Response:
        """Renders `template` with what `build` returns; the verbs inside it check access."""
        svc = services(request)
        user = current_user(request)
        try:
            context = build(svc, user)  # type: ignore[arg-type]
            counts = moderation.overview(svc, user=user)["counts"]
        except NotSignedIn:
            target = quote(request.url.path, safe="/")
            return RedirectResponse(f"/dashboard/signin?next={target}", 303, headers=NO_STORE)
        except Forbidden as error:
            return render("forbidden.html", 403, user=user, error=error)
        except TownhallError as error:
            return render("error.html", error.status, user=user, title=error.title, error=error)
        return render(template, user=user, counts=counts, path=request.url.path, **context)

    @router.get("")
    def home() -> Response:
        return RedirectResponse("/dashboard/queues/pending", 303)

    @router.get("/signin")
    def signin(request: Request, next: str = "/dashboard/queues/pending") -> Response:  # noqa: A002
        if not next.startswith("/dashboard"):
            next = "/dashboard/queues/pending"  # noqa: A001 - never send anyone off-site
        user = current_user(request)
        if user is not None and user["role"] not in moderation.STAFF:
            return render("forbidden.html", 403, user=user)
        return render("signin.html", user=user, next=next)

    @router.get("/queues/{name}")
    def queue(name: str, request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            rows = moderation.queue(svc, user=user, name=name)
            rows = _with_reports(svc, user, rows)
            context: Context = {"queue": name, "title": QUEUES.get(name, name), "rows": rows}
            if name == "clusters":
                known = moderation.overview(svc, user=user)["clusters"]
                context["groups"] = _clusters(rows, known)
            return context

        return page(request, "queue.html", build)

    @router.get("/users")
    def users(request: Request, user: str = "") -> Response:
        def build(svc: Services, actor: dict[str, Any]) -> Context:
            standings = moderation.standings(svc, user=actor)
            prefill = user if user.isdigit() else ""
            return {"title": "Users", "standings": standings, "request_user": prefill}

        return page(request, "users.html", build)

    @router.get("/threads")
    def threads(request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            rows = moderation.threads(svc, user=user)
            slugs = {site["id"]: site["slug"] for site in sites.list_sites(svc)}
            for row in rows:
                row["site"] = slugs.get(row["site_id"], sites.DEFAULT_SITE)
            return {"title": "Stories", "threads": rows}

        return page(request, "threads.html", build)

    @router.get("/audit")
    def audit(request: Request, action: str = "") -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            entries = moderation.audit_log(svc, user=user, action=action[:32] or None)
            return {"title": "Audit trail", "entries": entries, "action": action[:32]}

        return page(request, "audit.html", build)

    @router.get("/export")
    def export(request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            access_admin(user, "export a site's comments")
            return {"title": "Export", "sites": sites.list_sites(svc)}

        return page(request, "export.html", build)

    @router.get("/export/download")
    def export_download(request: Request, site: str = sites.DEFAULT_SITE) -> Response:
        """The site's JSON-lines export (docs/export-format.md), streamed as a file."""
        svc, user = services(request), current_user(request)
        try:
            lines = native.export_for_download(svc, site, user=user)
        except NotSignedIn:
            return RedirectResponse("/dashboard/signin?next=/dashboard/export", 303)
        except Forbidden as error:
            return render("forbidden.html", 403, user=user, error=error)
        except TownhallError as error:
            return render("error.html", error.status, user=user, title=error.title, error=error)
        name = _download_name(site, svc.clock.now_ms())
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(lines, media_type="application/x-ndjson", headers=headers)

    @router.api_route("/static/{name}", methods=["GET", "HEAD"])
    def static(name: str, request: Request) -> Response:
        asset = assets.get(name)
        if asset is None:
            return Response(status_code=404)
        return asset.respond(request, "no-cache")

    return router
