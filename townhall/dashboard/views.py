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
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from townhall.api.deps import current_user, own_origin, services
from townhall.dashboard import webhook_pages
from townhall.domain import moderation, oidc, search, site_settings, sites, staff
from townhall.domain.access import access_admin
from townhall.domain.notices import CATEGORIES
from townhall.domain.services import Services
from townhall.errors import Forbidden, InvalidInput, NotSignedIn, TownhallError
from townhall.i18n import N_, NP_, choose, direction, translated_detail, translations
from townhall.importers import native
from townhall.web.pages import Asset

if TYPE_CHECKING:
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
STATIC = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    "curation.js": "text/javascript",  # feature, edit with a note, notices (#3)
    "webhooks.js": "text/javascript",  # a site's webhooks (#5)
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
REASON_NAMES = {
    "abuse": N_("Abuse"),
    "spam": N_("Spam"),
    "off-topic": N_("Off-topic"),
    "misinformation": N_("Misinformation"),
    "other": N_("Other"),
}
# The codes the store keeps, shown in the staff member's language. English shows the code
# itself, as the dashboard always did; the catalogues give each a word.
STATUS_NAMES = {
    "visible": N_("visible"),
    "pending": N_("pending"),
    "held": N_("held"),
    "rejected": N_("rejected"),
    "deleted": N_("deleted"),
}
STANDING_NAMES = {
    "banned": N_("banned"),
    "suspended": N_("suspended"),
    "premoderated": N_("premoderated"),
    "warned": N_("warned"),
}
MODE_NAMES = {"open": N_("open"), "premoderated": N_("premoderated"), "closed": N_("closed")}
# "Open for comments", not "Open": the reply pages' "Open" (a link) is a verb elsewhere.
MODE_TITLES = {
    "open": N_("Open for comments"),
    "premoderated": N_("Pre-moderated"),
    "closed": N_("Closed"),
}
# The audit filter offers these; the table names any other action by its code.
ACTION_NAMES = {
    "approve": N_("approve"),
    "reject": N_("reject"),
    "banned": N_("banned"),
    "suspended": N_("suspended"),
    "premoderated": N_("premoderated"),
    "warned": N_("warned"),
    "clear-standing": N_("clear-standing"),
    "mode-open": N_("mode-open"),
    "mode-premoderated": N_("mode-premoderated"),
    "mode-closed": N_("mode-closed"),
    "feature": N_("feature"),
    "unfeature": N_("unfeature"),
    "edit": N_("edit"),
    "note": N_("note"),
    "notice": N_("notice"),
    "notice-remove": N_("notice-remove"),
    "notice-keep": N_("notice-keep"),
    "site-settings": N_("site-settings"),
    "site-role-moderator": N_("site-role-moderator"),
    "site-role-none": N_("site-role-none"),
}
TARGET_NAMES = {
    "comment": N_("comment"),
    "cluster": N_("cluster"),
    "user": N_("user"),
    "thread": N_("story"),
    "notice": N_("notice"),
    "site": N_("site"),
}
# Strings dashboard.js and curation.js show, handed over in a JSON block (#9): the strict
# CSP allows no inline script, and a data block is not one. Keys are the English text;
# %(name)s placeholders are filled in by the scripts.
JS_STRINGS = [
    N_("Cancel"),
    N_("None selected."),
    N_("The server answered %(status)s. Try again."),
    N_("Could not reach the server. Check the connection and try again."),
    N_("Queue counts now %(counts)s."),
    N_("the comment by %(name)s"),
    N_("This item is already approved."),
    N_("This item is already rejected."),
    N_("Approved %(item)s."),
    N_("Rejected %(item)s."),
    N_("Ban works on a single comment with a known author."),
    N_("Ban %(name)s"),
    N_("Ban %(name)s? They can no longer comment, and all their comments are rejected."),
    N_("Banned from the moderation queue"),
    N_("Selected %(item)s; %(count)s selected."),
    N_("Unselected %(item)s; %(count)s selected."),
    N_("Select comments first: press x on each, or use their checkboxes."),
    N_("Press j to choose an item first."),
    N_("Selection cleared."),
    N_("Standing lifted."),
    N_("Enter the user number (shown beside each name)."),
    N_("User %(id)s is now %(state)s."),
    N_("in good standing"),
    N_("Write the note before saving it."),
    N_("Note added."),
    N_("Settings of %(site)s saved."),
    N_("Enter the email of the account."),
    N_("%(email)s now moderates %(site)s."),
    N_("%(email)s no longer moderates %(site)s."),
    N_("The story %(story)s is now %(mode)s."),
    # curation.js
    N_("Featured: it leads its story now."),
    N_("No longer featured."),
    N_("Edit comment %(id)s"),
    N_("Text"),
    N_("Note shown to readers (why you edit)"),
    N_("Save the edit"),
    N_("Saved. Readers see: Edited by a moderator: %(note)s"),
    N_("Decide notice %(id)s"),
    N_("Decision"),
    N_("Remove the comment"),
    N_("Keep it"),
    N_("Statement of reasons (mailed to the author and the reporter)"),
    N_("Decide and send"),
    N_("Decided (remove); the statement was mailed."),
    N_("Decided (keep); the statement was mailed."),
    N_("Notice %(id)s decided: remove."),
    N_("Notice %(id)s decided: keep."),
    N_("Illegal-content notices"),
    N_("Notice %(id)s: %(category)s"),
    N_("From %(name)s <%(email)s>, in good faith."),
]
# Counted strings for the scripts: each becomes {CLDR category: text}, and the script picks
# the category with Intl.PluralRules, so "3 comments" follows the language's rules.
JS_PLURALS = [
    NP_("the group of %(num)s comment", "the group of %(num)s comments"),
    NP_(" (%(num)s comment)", " (%(num)s comments)"),
    NP_(
        "%(name)s is banned; %(num)s comment rejected.",
        "%(name)s is banned; %(num)s comments rejected.",
    ),
    NP_("%(num)s selected.", "%(num)s selected."),
    NP_("Approved %(num)s comment.", "Approved %(num)s comments."),
    NP_("Rejected %(num)s comment.", "Rejected %(num)s comments."),
    NP_("Selected all %(num)s.", "Selected all %(num)s."),
    NP_(
        "User %(id)s is now %(state)s; %(num)s comment rejected.",
        "User %(id)s is now %(state)s; %(num)s comments rejected.",
    ),
]
NO_STORE = {"Cache-Control": "no-store"}

Context = dict[str, Any]


def _js_catalogue(lang: str) -> dict[str, Any]:
    """The scripts' strings in ``lang``: plain ones by their English, counted ones as
    {CLDR category: text}, each category's text taken at a number CLDR puts in it."""
    catalogue = translations(lang)
    rule = Locale.parse(lang).plural_form
    samples: dict[str, int] = {}
    for number in range(0, 200):
        samples.setdefault(rule(number), number)
    result: dict[str, Any] = {text: catalogue.gettext(text) for text in JS_STRINGS}
    # Modes and standings the scripts name after a save, by their stored code.
    result.update({f"mode:{code}": catalogue.gettext(text) for code, text in MODE_NAMES.items()})
    result.update({f"state:{c}": catalogue.gettext(text) for c, text in STANDING_NAMES.items()})
    result.update({f"category:{c}": catalogue.gettext(text) for c, text in CATEGORIES.items()})
    for singular, plural in JS_PLURALS:
        result[singular] = {
            tag: catalogue.ngettext(singular, plural, number) for tag, number in samples.items()
        }
    return result


def _when(lang: str) -> Callable[[int | None], str]:
    """A moment as the staff member's language writes dates, in UTC (the server's clock
    zone; moderators in several countries share the one trail)."""

    def when(ms: int | None) -> str:
        if not ms:
            return ""
        moment = datetime.fromtimestamp(ms / 1000, UTC)
        # The language's medium date with its short time (no seconds): "1 бер. 2026 р., 14:30".
        day = format_date(moment, "medium", locale=lang)
        time = format_time(moment, "short", tzinfo=UTC, locale=lang)
        joined = get_datetime_format("medium", locale=lang).replace("'", "")
        return f"{joined.replace('{1}', day).replace('{0}', time)} UTC"

    return when


def _environment(lang: str = "en") -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]

    def named(table: dict[str, str], code: str | None) -> str:
        """A stored code (a status, a standing) in words; an unknown code as it is."""
        text = table.get(code or "")
        return catalogue.gettext(text) if text else (code or "")

    def score(value: float, pattern: str = "0.00") -> str:
        return format_decimal(value, pattern, locale=lang)

    env.filters["when"] = _when(lang)
    env.filters["score"] = score
    env.globals.update(
        queues=QUEUES,
        reason_names=REASON_NAMES,
        role_names=ROLE_NAMES,
        status_names=STATUS_NAMES,
        standing_names=STANDING_NAMES,
        mode_names=MODE_NAMES,
        mode_titles=MODE_TITLES,
        action_names=ACTION_NAMES,
        target_names=TARGET_NAMES,
        named=named,
        markup=Markup,
        problem_detail=lambda error, fallback=None: translated_detail(error, catalogue, fallback),
        lang=lang,
        dir=direction(lang),
        js_catalogue=_js_catalogue(lang),
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
                "label": labels.get(cid, {}).get("label"),
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
    # Each language's templates and catalogue load with its first page, not in every worker
    # at start (#7): staff open the dashboard in one or two languages, readers never.
    envs: dict[str, Environment] = {}

    def environment(lang: str) -> Environment:
        env = envs.get(lang)
        if env is None:
            env = _environment(lang)
            env.globals["root"] = root
            envs[lang] = env
        return env

    assets = {name: Asset.load(HERE / "static" / name, kind) for name, kind in STATIC.items()}

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = environment(_language(request)).get_template(template).render(**context)
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
        refresh_ms = int(float(svc.settings.dashboard_refresh_seconds) * 1000)
        return render(
            request,
            template,
            user=user,
            counts=counts,
            path=request.url.path,
            refresh_ms=refresh_ms,
            **context,
        )

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
            context: Context = {"queue": name, "rows": rows}
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
            return {"standings": standings, "request_user": prefill}

        return page(request, "users.html", build)

    @router.get("/threads")
    def threads(request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            rows = moderation.threads(svc, user=user)
            slugs = {site["id"]: site["slug"] for site in sites.list_sites(svc)}
            for row in rows:
                row["site"] = slugs.get(row["site_id"], sites.DEFAULT_SITE)
            return {"threads": rows}

        return page(request, "threads.html", build)

    @router.get("/audit")
    def audit(request: Request, action: str = "") -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            entries = moderation.audit_log(svc, user=user, action=action[:32] or None)
            return {"entries": entries, "action": action[:32]}

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
            context: Context = {"form": form, "asked": asked, "rows": []}
            try:
                found = search.search(svc, user=user, before=before, **form) if asked else None
            except InvalidInput as error:
                context["error"] = error
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
            return {
                "title": rows[0]["author_name"] if rows else f"#{user_id}",
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
            return {"sites": sites.list_sites(svc)}

        return page(request, "sites.html", build)

    @router.get("/sites/{slug}")
    def site_page(request: Request, slug: str = PathParam(max_length=64)) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            found = site_settings.get(svc, user=user, site=slug)
            return {
                "site": found,
                "fields": site_settings.FIELDS,
                **_sign_in_providers(request, svc, user, slug),
            }

        return page(request, "site.html", build)

    webhook_pages.add_routes(router, page)  # /sites/{slug}/webhooks (#5)

    @router.get("/export")
    def export(request: Request) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> Context:
            access_admin(user, "export a site's comments")
            return {"sites": sites.list_sites(svc)}

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
