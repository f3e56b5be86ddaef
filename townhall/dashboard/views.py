"""Dashboard pages: sign-in, queues with each comment in context, search, users' standing
and notes, story modes, the audit trail and, for admins, sites' settings and a site's export.

The dashboard's address is /admin; /dashboard serves the same pages (older links).

Every page asks a domain verb for its data; the verb's access check decides who may see it.
A signed-out visitor is sent to the sign-in page, a reader gets the "moderators only" page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from townhall.api.deps import current_user, own_origin, services
from townhall.domain import moderation, oidc, search, site_settings, sites, staff
from townhall.domain.access import access_admin
from townhall.domain.services import Services
from townhall.errors import Forbidden, InvalidInput, NotSignedIn, TownhallError
from townhall.i18n import LANGUAGES, N_, choose, direction, translations
from townhall.importers import native
from townhall.web.pages import Asset

HERE = Path(__file__).resolve().parent
STATIC = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    "curation.js": "text/javascript",  # feature, edit with a note, notices (#3)
}
# Labels are translated where they are shown (base.html), in the staff member's language.
QUEUES = {
    "pending": N_("Pending"),
    "held": N_("Held by the pipeline"),
    "reported": N_("Reported"),
    "clusters": N_("Held clusters"),
    "notices": N_("Illegal-content notices"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
ROLE_NAMES = {"admin": N_("admin"), "moderator": N_("moderator"), "reader": N_("reader")}
# Strings dashboard.js and curation.js show, handed over in a JSON block (#9): the strict
# CSP allows no inline script, and a data block is not one.
JS_STRINGS = {
    "Cancel": N_("Cancel"),
    "None selected.": N_("None selected."),
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


def _environment(lang: str = "en") -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = _when
    env.globals.update(
        queues=QUEUES,
        reason_names=REASON_NAMES,
        role_names=ROLE_NAMES,
        lang=lang,
        dir=direction(lang),
        js_catalogue={key: catalogue.gettext(text) for key, text in JS_STRINGS.items()},
    )
    return env


def _sign_in_providers(request: Request, svc: Services, user: Context, site: str) -> Context:
    """A site's OpenID Connect providers (#5), secrets masked, and the address to register."""
    callback = own_origin(request).rstrip("/") + oidc.CALLBACK_PATH
    found = oidc.providers(svc, user=user, site=site)
    return {
        "oidc_callback": callback,
        "oidc_providers": [oidc.admin_view(p, callback) for p in found],
    }


def _language(request: Request) -> str:
    """``?lang=``, then the staff member's Accept-Language, then the ``language`` setting."""
    return choose(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        str(services(request).settings.language),
    )


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


def dashboard_router(root: str = "/admin") -> APIRouter:
    """The dashboard under ``root``: /admin, and /dashboard for older links and bookmarks."""
    router = APIRouter(prefix=root, include_in_schema=False)
    envs = {lang: _environment(lang) for lang in LANGUAGES}
    for env in envs.values():
        env.globals["root"] = root
    assets = {name: Asset.load(HERE / "static" / name, kind) for name, kind in STATIC.items()}

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = envs[_language(request)].get_template(template).render(**context)
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
            return RedirectResponse(f"{root}/signin?next={target}", 303, headers=NO_STORE)
        except Forbidden as error:
            return render(request, "forbidden.html", 403, user=user, error=error)
        except TownhallError as error:
            return render(
                request, "error.html", error.status, user=user, title=error.title, error=error
            )
        return render(request, template, user=user, counts=counts, path=request.url.path, **context)

    @router.get("")
    def home() -> Response:
        return RedirectResponse(f"{root}/queues/pending", 303)

    @router.get("/signin")
    def signin(request: Request, next: str = "") -> Response:  # noqa: A002
        if not next.startswith(root + "/") or next.startswith(root + "//"):
            next = f"{root}/queues/pending"  # noqa: A001 - never send anyone off-site
        user = current_user(request)
        if user is not None and not staff.is_moderator(services(request), user):
            return render(request, "forbidden.html", 403, user=user)
        return render(request, "signin.html", user=user, next=next)

    @router.get("/queues/{name}")
    def queue(name: str, request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            rows = moderation.queue(svc, user=user, name=name)
            rows = _with_reports(svc, user, rows)
            rows = search.with_context(svc, user=user, rows=rows)
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
            prefill = user if user.isascii() and user.isdigit() else ""
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

    @router.get("/search")
    def search_page(
        request: Request,
        text: str = "",
        author: str = "",
        since: str = "",
        until: str = "",
        before: int | None = Query(default=None, ge=1, le=2**62),
    ) -> Response:
        form = {"text": text[:200], "author": author[:200]}
        form.update(since=since[:40], until=until[:40])
        asked = any(form.values()) or before is not None

        def build(svc: Services, user: dict[str, Any]) -> Context:
            context: Context = {"title": "Search", "form": form, "asked": asked, "rows": []}
            try:
                found = search.search(svc, user=user, before=before, **form) if asked else None
            except InvalidInput as error:
                context["error"] = error.detail
                return context
            if found is not None:
                context["rows"], context["next"] = found["comments"], found["next"]
                query = {k: v for k, v in form.items() if v}
                if found["next"]:
                    context["next_url"] = f"?{urlencode({**query, 'before': found['next']})}"
            return context

        return page(request, "search.html", build)

    @router.get("/users/{user_id}")
    def user_page(request: Request, user_id: int = PathParam(ge=1, le=2**62)) -> Response:
        def build(svc: Services, actor: dict[str, Any]) -> Context:
            notes = staff.notes(svc, user=actor, user_id=user_id)
            found = search.search(svc, user=actor, author=str(user_id), limit=20)
            rows = [r for r in found["comments"] if r["author_id"] == user_id]
            standing = next(
                (s for s in moderation.standings(svc, user=actor) if s["user_id"] == user_id), None
            )
            name = rows[0]["author_name"] if rows else f"User {user_id}"
            return {
                "title": name,
                "target_id": user_id,
                "notes": notes,
                "rows": rows,
                "standing": standing,
            }

        return page(request, "user.html", build)

    @router.get("/sites")
    def sites_page(request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            access_admin(user, "change sites' settings")
            return {"title": "Sites", "sites": sites.list_sites(svc)}

        return page(request, "sites.html", build)

    @router.get("/sites/{slug}")
    def site_page(request: Request, slug: str = PathParam(max_length=64)) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            found = site_settings.get(svc, user=user, site=slug)
            return {
                "title": f"Settings of {slug}",
                "site": found,
                "fields": site_settings.FIELDS,
                **_sign_in_providers(request, svc, user, slug),
            }

        return page(request, "site.html", build)

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
            return RedirectResponse(f"{root}/signin?next={root}/export", 303)
        except Forbidden as error:
            return render(request, "forbidden.html", 403, user=user, error=error)
        except TownhallError as error:
            return render(
                request, "error.html", error.status, user=user, title=error.title, error=error
            )
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
