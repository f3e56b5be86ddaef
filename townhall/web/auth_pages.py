"""The pages links in mail land on. Opening a link only shows a button: mail scanners and
link previews fetch every URL in a message, and must not use up a one-time link. The
button's POST does the work.

The pages speak the reader's language (#9): ``?lang=`` (the mail's links carry none, so
then) Accept-Language, then the ``language`` setting."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from townhall.api.auth import set_session_cookie
from townhall.api.deps import guard_origin, services
from townhall.domain import accounts, email_links
from townhall.domain.services import Services
from townhall.errors import TownhallError
from townhall.i18n import N_, choose, direction, translated_detail, translations

# same-origin, not no-referrer: with no referrer Chromium posts the button's form with
# "Origin: null", which guard_origin refuses (the browser stories in test_mail_flows.py
# met it). The token in the address still never goes to another site.
_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title} · Townhall</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;
line-height:1.5}}button{{font:inherit;padding:.5em 1.2em}}input{{font:inherit;padding:.4em;
width:100%;box-sizing:border-box}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""

Gettext = Callable[[str], str]

# A mailed link is one factor; accounts with two-factor on add their code here too.
_CODE_LABEL = N_("Authenticator code (only if your account uses two-factor)")
_CODE_INPUT = '<input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="64">'
_NEW_PASSWORD_FIELD = (
    '<input type="password" name="password" minlength="8" required autocomplete="new-password">'  # noqa: S105 - markup
)

# kind: (title, labelled fields, button)
_FORMS = {
    "verify": (N_("Confirm your email address"), (), N_("Confirm my address")),
    "reset": (
        N_("Choose a new password"),
        (
            (N_("New password (at least 8 characters)"), _NEW_PASSWORD_FIELD),
            (_CODE_LABEL, _CODE_INPUT),
        ),
        N_("Save the new password"),
    ),
    "magic": (N_("Sign in"), ((_CODE_LABEL, _CODE_INPUT),), N_("Sign me in")),
}

_DONE = {
    "verify": N_("Your address %(email)s is confirmed. You can close this page."),
    "reset": N_(
        "Your password is changed and you are signed in as %(email)s."
        " Other sessions were signed out."
    ),
    "magic": N_(
        "You are signed in as %(email)s. You can close this page and go back to the article."
    ),
}


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


def _not_found(request: Request) -> HTMLResponse:
    _ = translations(_language(request)).gettext
    return _page(request, _("Not found"), "<p>" + escape(_("There is no such page.")) + "</p>", 404)


def _act(
    svc: Services, kind: str, token: str, password: str, totp: str | None, agent: str | None
) -> tuple[dict[str, Any], str | None]:
    if kind == "verify":
        return email_links.verify_email(svc, token), None
    if kind == "reset":
        user = email_links.reset_password(svc, token, password, totp)
    else:
        user = email_links.consume_magic_link(svc, token, totp)
    return user, accounts.start_session(svc, user["id"], agent)


def auth_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/auth/{kind}")
    def show(kind: str, request: Request, token: str = "") -> Response:
        if kind not in _FORMS:
            return _not_found(request)
        _ = translations(_language(request)).gettext
        title, fields, action = _FORMS[kind]
        labelled = "".join(
            f"<p><label>{escape(_(label))}<br>{control}</label></p>" for label, control in fields
        )
        # A chosen language stays chosen for the answer to the button's POST.
        wanted = request.query_params.get("lang")
        target = f"/auth/{kind}" + (f"?{urlencode({'lang': wanted[:16]})}" if wanted else "")
        body = (
            f'<form method="post" action="{escape(target, quote=True)}">'
            f'<input type="hidden" name="token" value="{escape(token, quote=True)}">'
            f'{labelled}<p><button type="submit">{escape(_(action))}</button></p></form>'
        )
        return _page(request, _(title), body)

    @router.post("/auth/{kind}")
    async def act(kind: str, request: Request) -> Response:
        if kind not in _FORMS:
            return _not_found(request)
        guard_origin(request)
        catalogue = translations(_language(request))
        _ = catalogue.gettext
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        password = form.get("password", [""])[0]
        totp = form.get("totp", [""])[0][:64] or None
        svc = services(request)
        agent = request.headers.get("user-agent")
        try:
            user, session = await run_in_threadpool(_act, svc, kind, token, password, totp, agent)
        except TownhallError as exc:
            detail = translated_detail(exc, catalogue)
            return _page(request, _(exc.title), f"<p>{escape(detail)}</p>", exc.status)
        done = _(_DONE[kind]) % {"email": user["email"]}
        response = _page(request, _(_FORMS[kind][0]), f"<p>{escape(done)}</p>")
        if session is not None:
            set_session_cookie(response, request, session)
        return response

    return router
