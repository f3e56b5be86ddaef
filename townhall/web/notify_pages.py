"""Pages on Townhall's own origin for reply notifications (#5): the unsubscribe link from
the reply mail, and "my comments and replies".

The unsubscribe link follows RFC 8058: a mail client POSTs ``List-Unsubscribe=One-Click``
to it without cookies, and that alone turns the mail off. Opening it (GET) only shows a
button, because mail scanners and link previews fetch every address in a message.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from townhall.api.auth import set_session_cookie
from townhall.api.deps import client_ip, current_user, guard_origin, language
from townhall.api.deps import services as get_services
from townhall.domain import accounts, my_comments, notifications, second_factor
from townhall.errors import TownhallError
from townhall.i18n import direction, translations

# Translated texts are looked up outside the f-strings below: the message extractor (#9)
# does not read calls inside f-strings.

# same-origin, not no-referrer: with no referrer a browser posts the form with "Origin:
# null", which guard_origin refuses.
_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title} · Townhall</title>
<link rel="stylesheet" href="/widget/townhall.css">
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;
line-height:1.5;color:#1a1a1a}}button{{font:inherit;padding:.5em 1.2em}}
input{{font:inherit;padding:.4em;width:100%;box-sizing:border-box}}
.mine{{list-style:none;padding:0}}.mine>li{{border-top:1px solid #ddd;padding:1em 0}}
.mine ol{{list-style:none;margin:.5em 0 0 1em;padding-left:1em;border-left:3px solid #ddd}}
.meta{{color:#555;font-size:.9em}}.held{{color:#8a5a00;font-weight:600}}</style></head>
<body><main class="townhall">{header}<h1>{title}</h1>{body}</main></body></html>
"""


def _page(
    request: Request, title: str, body: str, status: int = 200, header: str = ""
) -> HTMLResponse:
    lang = language(request)
    html = _PAGE.format(
        lang=lang, dir=direction(lang), title=escape(title), body=body, header=header
    )
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(html, status, headers=headers)


def _gettext(request: Request) -> Callable[[str], str]:
    return translations(language(request)).gettext


# --- unsubscribe ------------------------------------------------------------------------------


def _unsubscribe_form(token: str, label: str) -> str:
    return (
        f'<form method="post" action="/unsubscribe/{escape(token, quote=True)}">'
        f'<p><button type="submit">{escape(label)}</button></p></form>'
    )


async def _show_unsubscribe(request: Request, token: str) -> Response:
    _ = _gettext(request)
    title = _("Stop reply mail")
    try:
        on = await run_in_threadpool(notifications.check_unsubscribe, get_services(request), token)
    except TownhallError as exc:
        return _page(request, title, f"<p>{escape(exc.detail)}</p>", exc.status)
    if not on:
        off = _("Reply mail is already off.")
        return _page(request, title, f"<p>{escape(off)}</p>")
    lead = _("You get a mail when someone replies to your comments. Stop these mails?")
    return _page(request, title, f"<p>{escape(lead)}</p>" + _unsubscribe_form(token, title))


async def _do_unsubscribe(request: Request, token: str) -> Response:
    guard_origin(request)
    _ = _gettext(request)
    title = _("Stop reply mail")
    try:
        await run_in_threadpool(notifications.unsubscribe, get_services(request), token)
    except TownhallError as exc:
        return _page(request, title, f"<p>{escape(exc.detail)}</p>", exc.status)
    done = _(
        "Reply mail is off. You can turn it on again from any comment box, under Notifications."
    )
    return _page(request, title, f'<p role="status">{escape(done)}</p>')


# --- my comments and replies ------------------------------------------------------------------


def _sign_in_form(request: Request, error: str | None = None) -> str:
    _ = _gettext(request)
    alert = f'<p class="townhall__error" role="alert">{escape(error)}</p>' if error else ""
    lead = escape(_("Sign in to see your comments and the replies they received."))
    email, password, sign_in = escape(_("Email")), escape(_("Password")), escape(_("Sign in"))
    code = escape(_("Authenticator code (only if your account uses two-factor)"))
    return (
        f"<p>{lead}</p>"
        f'{alert}<form method="post" action="/me">'
        f'<p><label>{email}<br><input type="email" name="email" required'
        ' autocomplete="email" maxlength="320"></label></p>'
        f'<p><label>{password}<br><input type="password" name="password" required'
        ' autocomplete="current-password" maxlength="1024"></label></p>'
        f"<p><label>{code}<br>"
        '<input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="64">'
        f'</label></p><p><button type="submit">{sign_in}</button></p></form>'
    )


def _article(request: Request, item: dict[str, Any]) -> str:
    _ = _gettext(request)
    thread = item["thread"]
    name = escape(thread["title"] or thread["key"])
    article = f'<a href="{escape(thread["url"], quote=True)}">{name}</a>' if thread["url"] else name
    return _("on %(article)s") % {"article": article}


def _time(iso_value: str) -> str:
    return f'<time datetime="{iso_value}">{escape(iso_value[:16].replace("T", " "))} UTC</time>'


def _comment(request: Request, item: dict[str, Any]) -> str:
    _ = _gettext(request)
    catalogue = translations(language(request))
    held, open_ = escape(_("Held for review")), escape(_("Open"))
    status = (
        f'<span class="held">{held}</span>'
        if item["status"] == "pending"
        else escape(_("Published"))
    )
    permalink = (
        f' · <a href="{escape(item["link"], quote=True)}">{open_}</a>'
        if item["link"] and item["status"] == "visible"
        else ""
    )
    replies = "".join(
        f'<li id="reply-{r["id"]}"><p class="meta"><strong dir="auto">'
        f"{escape(r['author']['name'] or '?')}</strong> · {_time(r['created_at'])}"
        + (f' · <a href="{escape(r["link"], quote=True)}">{open_}</a>' if r["link"] else "")
        + f'</p><div dir="auto">{r["html"]}</div></li>'
        for r in item["replies"]
    )
    count = item["more_replies"]
    more_text = catalogue.ngettext("and %(n)s more", "and %(n)s more", count) % {"n": count}
    more = f'<li><p class="meta">{escape(more_text)}</p></li>' if count else ""
    heading = escape(_("Replies")) if item["replies"] else escape(_("No replies yet"))
    return (
        f'<li id="comment-{item["id"]}"><article>'
        f'<p class="meta">{_article(request, item)} · {_time(item["created_at"])} · {status}'
        f"{permalink}</p>"
        f'<div dir="auto">{item["html"]}</div>'
        f'<p class="meta">{heading}</p>'
        + (f'<ol aria-label="{heading}">{replies}{more}</ol>' if replies else "")
        + "</article></li>"
    )


def notify_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/unsubscribe/{token}")
    async def unsubscribe_page(token: str, request: Request) -> Response:
        return await _show_unsubscribe(request, token[:200])

    @router.post("/unsubscribe/{token}")
    async def unsubscribe(token: str, request: Request) -> Response:
        return await _do_unsubscribe(request, token[:200])

    @router.get("/me")
    async def me(
        request: Request, before: int | None = Query(default=None, ge=1, le=2**62)
    ) -> Response:
        _ = _gettext(request)
        title = _("My comments and replies")
        svc = get_services(request)
        user = await run_in_threadpool(current_user, request)
        if user is None:
            return _page(request, title, _sign_in_form(request))
        data = await run_in_threadpool(my_comments.page, svc, user=user, before=before)
        who = _("Signed in as %(name)s") % {"name": user["name"]}
        header = f'<p class="meta">{escape(who)}</p>'
        if not data["comments"]:
            body = "<p>" + escape(_("You have not written any comments yet.")) + "</p>"
        else:
            items = "".join(_comment(request, c) for c in data["comments"])
            body = f'<ol class="mine">{items}</ol>'
        if data["next"]:
            older = escape(_("Older comments"))
            body += f'<p><a href="/me?before={data["next"]}">{older}</a></p>'
        return _page(request, title, body, header=header)

    @router.post("/me")
    async def me_sign_in(request: Request) -> Response:
        guard_origin(request)
        svc = get_services(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        email = form.get("email", [""])[0][:320]
        password = form.get("password", [""])[0][:1024]
        totp = form.get("totp", [""])[0][:64] or None

        def sign_in() -> str:
            rule = svc.settings.rate_limit_signin
            svc.limiter.hit(rule, "signin-ip", client_ip(request), "sign-in attempts")
            svc.limiter.hit(rule, "signin-email", email.strip().lower(), "sign-in attempts")
            user = accounts.sign_in(svc, email=email, password=password)
            second_factor.check_sign_in(svc, user, totp)
            return accounts.start_session(svc, user["id"], request.headers.get("user-agent"))

        try:
            token = await run_in_threadpool(sign_in)
        except TownhallError as exc:
            title = _gettext(request)("My comments and replies")
            return _page(request, title, _sign_in_form(request, exc.detail), exc.status)
        response = RedirectResponse("/me", status_code=303)
        set_session_cookie(response, request, token)
        return response

    return router
