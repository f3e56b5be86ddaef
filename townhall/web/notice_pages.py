"""The illegal-content notice form (EU Digital Services Act, Art. 16) as a plain page on
Townhall's own origin: the comment box links to it, and it works without JavaScript.

It speaks the reader's language (#9): ``?lang=`` (the box adds its own), Accept-Language,
then the ``language`` setting; Arabic lays out right to left."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from townhall.api.deps import client_ip, current_user, guard_origin, services
from townhall.domain import notices
from townhall.domain.comments import read_comment
from townhall.errors import TownhallError
from townhall.i18n import N_, choose, direction, translated_detail, translations

Gettext = Callable[[str], str]

# same-origin, not no-referrer: with no referrer the browser posts the form with "Origin:
# null", which guard_origin refuses.
_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title} · Townhall</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;
line-height:1.5;color:#1a1a1a}}button{{font:inherit;padding:.5em 1.2em}}
input,select,textarea{{font:inherit;padding:.4em;width:100%;box-sizing:border-box}}
input[type=checkbox]{{width:auto}}blockquote{{border-inline-start:4px solid #ccc;margin:1em 0;
padding:.2em 1em;color:#333}}.error{{color:#a00;border:2px solid #a00;padding:.5em 1em}}
.hint{{color:#555;font-size:.9em}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""
TITLE = N_("Report illegal content")


def _language(request: Request) -> str:
    return choose(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        str(services(request).settings.language),
    )


def _page(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
    lang = _language(request)
    html = _PAGE.format(lang=lang, dir=direction(lang), title=escape(title), body=body)
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(html, status, headers=headers)


def _form(
    request: Request, comment: dict[str, Any], values: dict[str, str], error: str | None
) -> str:
    _: Gettext = translations(_language(request)).gettext

    def value(name: str) -> str:
        return escape(values.get(name, ""), quote=True)

    def text(translated: str, **fill: object) -> str:
        return escape(translated % fill)

    labels = {key: _(label) for key, label in notices.CATEGORIES.items()}
    options = "".join(
        f'<option value="{key}"{" selected" if values.get("category") == key else ""}>'
        f"{escape(label[:1].upper() + label[1:])}</option>"
        for key, label in labels.items()
    )
    author = (comment.get("author") or {}).get("name") or _("Unknown")
    alert = f'<p class="error" role="alert" id="error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="error"' if error else ""
    checked = " checked" if values.get("good_faith") else ""
    wanted = request.query_params.get("lang")
    target = "/notices/new" + (f"?{urlencode({'lang': wanted[:16]})}" if wanted else "")
    # The translation is escaped first; only then does the button's name go in as markup.
    intro = escape(
        _(
            "Use this form to tell the site's moderators that a comment is illegal under EU or"
            " national law. For rudeness, spam or off-topic comments, use the comment box's"
            " %(report)s button instead."
        )
    ) % {"report": "<em>" + escape(_("Report")) + "</em>"}
    # Outside the f-strings below: the message extractor reads no calls inside f-strings.
    heading = text(_("The comment by %(name)s"), name=author)
    kind_label = text(_("Kind of illegal content"))
    why_label = text(_("Why is it illegal?"))
    name_label = text(_("Your name"))
    email_label = text(_("Your email address"))
    send = text(_("Send the notice"))
    return (
        f"<p>{intro}</p>"
        f"<h2>{heading}</h2>"
        f'<blockquote dir="auto">{comment["html"]}</blockquote>'
        f"{alert}"
        f'<form method="post" action="{escape(target, quote=True)}"{described}>'
        f'<input type="hidden" name="comment" value="{comment["id"]}">'
        f'<p><label for="category">{kind_label}</label><br>'
        f'<select id="category" name="category" required>{options}</select></p>'
        f'<p><label for="explanation">{why_label}</label><br>'
        '<span class="hint" id="explanation-hint">'
        + text(
            _("Which words, and which law if you know it (at least %(low)s characters)."),
            low=notices.MIN_EXPLANATION,
        )
        + "</span><br>"
        '<textarea id="explanation" name="explanation" rows="6" required'
        f' minlength="{notices.MIN_EXPLANATION}" maxlength="{notices.MAX_EXPLANATION}"'
        f' aria-describedby="explanation-hint">{value("explanation")}</textarea></p>'
        f'<p><label for="reporter_name">{name_label}</label><br>'
        '<input id="reporter_name" name="reporter_name" autocomplete="name" required'
        f' maxlength="{notices.MAX_NAME}" value="{value("reporter_name")}"></p>'
        f'<p><label for="reporter_email">{email_label}</label><br>'
        '<span class="hint" id="email-hint">'
        + text(_("We send you a receipt, and the decision with its reasons."))
        + "</span><br>"
        '<input id="reporter_email" name="reporter_email" type="email" autocomplete="email"'
        f' required maxlength="320" aria-describedby="email-hint"'
        f' value="{value("reporter_email")}"></p>'
        '<p><input id="good_faith" name="good_faith" type="checkbox" value="yes"'
        f" required{checked}>"
        ' <label for="good_faith">'
        + text(
            _(
                "I believe in good faith that the information and allegations in this notice are"
                " accurate and complete."
            )
        )
        + "</label></p>"
        f'<p><button type="submit">{send}</button></p></form>'
    )


def notice_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def comment_or_page(request: Request, raw: str) -> dict[str, Any] | HTMLResponse:
        _ = translations(_language(request)).gettext
        if not raw.isdigit() or len(raw) > 18:
            lost = _("The address names no comment: open this form from a comment's menu.")
            return _page(request, _(TITLE), f"<p>{escape(lost)}</p>", 404)
        try:
            return read_comment(services(request), user=None, comment_id=int(raw))
        except TownhallError:
            missing = _("There is no published comment %(id)s.") % {"id": raw}
            return _page(request, _(TITLE), f"<p>{escape(missing)}</p>", 404)

    @router.get("/notices/new")
    def show(request: Request, comment: str = "") -> Response:
        found = comment_or_page(request, comment)
        if isinstance(found, HTMLResponse):
            return found
        _ = translations(_language(request)).gettext
        return _page(request, _(TITLE), _form(request, found, {}, None))

    @router.post("/notices/new")
    async def send(request: Request) -> Response:
        guard_origin(request)
        form = {
            k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
        }
        found = await run_in_threadpool(comment_or_page, request, form.get("comment", ""))
        if isinstance(found, HTMLResponse):
            return found
        svc = services(request)
        lang = _language(request)
        catalogue = translations(lang)
        _ = catalogue.gettext
        user = await run_in_threadpool(current_user, request)
        try:
            result = await run_in_threadpool(
                lambda: notices.submit_notice(
                    svc,
                    user=user,
                    comment_id=found["id"],
                    category=form.get("category", ""),
                    explanation=form.get("explanation", ""),
                    reporter_name=form.get("reporter_name", ""),
                    reporter_email=form.get("reporter_email", ""),
                    good_faith=form.get("good_faith") == "yes",
                    remote_addr=client_ip(request),
                    lang=lang,
                )
            )
        except TownhallError as exc:
            detail = translated_detail(exc, catalogue)
            return _page(request, _(TITLE), _form(request, found, form, detail), exc.status)
        thanks = _(
            "Thank you. Your notice has number %(id)s. We sent a receipt to %(email)s, and"
            " will write to you with the decision and its reasons."
        ) % {"id": result["id"], "email": form.get("reporter_email", "")}
        return _page(request, _("Notice received"), f'<p role="status">{escape(thanks)}</p>')

    return router
