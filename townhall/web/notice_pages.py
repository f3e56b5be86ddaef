"""The illegal-content notice form (EU Digital Services Act, Art. 16) as a plain page on
Townhall's own origin: the comment box links to it, and it works without JavaScript."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from townhall.api.deps import client_ip, current_user, guard_origin, language, services
from townhall.domain import notices
from townhall.domain.comments import read_comment
from townhall.errors import TownhallError

# same-origin, not no-referrer: with no referrer the browser posts the form with "Origin:
# null", which guard_origin refuses.
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title} · Townhall</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;
line-height:1.5;color:#1a1a1a}}button{{font:inherit;padding:.5em 1.2em}}
input,select,textarea{{font:inherit;padding:.4em;width:100%;box-sizing:border-box}}
input[type=checkbox]{{width:auto}}blockquote{{border-left:4px solid #ccc;margin:1em 0;
padding:.2em 1em;color:#333}}.error{{color:#a00;border:2px solid #a00;padding:.5em 1em}}
.hint{{color:#555;font-size:.9em}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""
TITLE = "Report illegal content"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(_PAGE.format(title=escape(title), body=body), status, headers=headers)


def _form(comment: dict[str, Any], values: dict[str, str], error: str | None) -> str:
    def value(name: str) -> str:
        return escape(values.get(name, ""), quote=True)

    options = "".join(
        f'<option value="{key}"{" selected" if values.get("category") == key else ""}>'
        f"{escape(label[:1].upper() + label[1:])}</option>"
        for key, label in notices.CATEGORIES.items()
    )
    author = (comment.get("author") or {}).get("name") or "Unknown"
    alert = f'<p class="error" role="alert" id="error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="error"' if error else ""
    checked = " checked" if values.get("good_faith") else ""
    return (
        "<p>Use this form to tell the site's moderators that a comment is illegal under EU or"
        " national law. For rudeness, spam or off-topic comments, use the comment box's"
        " <em>Report</em> button instead.</p>"
        f"<h2>The comment by {escape(author)}</h2>"
        f'<blockquote dir="auto">{comment["html"]}</blockquote>'
        f"{alert}"
        f'<form method="post" action="/notices/new"{described}>'
        f'<input type="hidden" name="comment" value="{comment["id"]}">'
        '<p><label for="category">Kind of illegal content</label><br>'
        f'<select id="category" name="category" required>{options}</select></p>'
        '<p><label for="explanation">Why is it illegal?</label><br>'
        '<span class="hint" id="explanation-hint">Which words, and which law if you know it'
        f" (at least {notices.MIN_EXPLANATION} characters).</span><br>"
        '<textarea id="explanation" name="explanation" rows="6" required'
        f' minlength="{notices.MIN_EXPLANATION}" maxlength="{notices.MAX_EXPLANATION}"'
        f' aria-describedby="explanation-hint">{value("explanation")}</textarea></p>'
        '<p><label for="reporter_name">Your name</label><br>'
        '<input id="reporter_name" name="reporter_name" autocomplete="name" required'
        f' maxlength="{notices.MAX_NAME}" value="{value("reporter_name")}"></p>'
        '<p><label for="reporter_email">Your email address</label><br>'
        '<span class="hint" id="email-hint">We send you a receipt, and the decision with'
        " its reasons.</span><br>"
        '<input id="reporter_email" name="reporter_email" type="email" autocomplete="email"'
        f' required maxlength="320" aria-describedby="email-hint"'
        f' value="{value("reporter_email")}"></p>'
        '<p><input id="good_faith" name="good_faith" type="checkbox" value="yes"'
        f" required{checked}>"
        ' <label for="good_faith">I believe in good faith that the information and allegations'
        " in this notice are accurate and complete.</label></p>"
        '<p><button type="submit">Send the notice</button></p></form>'
    )


def notice_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def comment_or_page(request: Request, raw: str) -> dict[str, Any] | HTMLResponse:
        if not raw.isdigit() or len(raw) > 18:
            return _page(
                TITLE,
                "<p>The address names no comment: open this form from a comment's menu.</p>",
                404,
            )
        try:
            return read_comment(services(request), user=None, comment_id=int(raw))
        except TownhallError:
            return _page(TITLE, f"<p>There is no published comment {escape(raw)}.</p>", 404)

    @router.get("/notices/new")
    def show(request: Request, comment: str = "") -> Response:
        found = comment_or_page(request, comment)
        if isinstance(found, HTMLResponse):
            return found
        return _page(TITLE, _form(found, {}, None))

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
                    lang=language(request),
                )
            )
        except TownhallError as exc:
            return _page(TITLE, _form(found, form, exc.detail), exc.status)
        return _page(
            "Notice received",
            f'<p role="status">Thank you. Your notice has number {result["id"]}. We sent a'
            f" receipt to {escape(form.get('reporter_email', ''))}, and will write to you"
            " with the decision and its reasons.</p>",
        )

    return router
