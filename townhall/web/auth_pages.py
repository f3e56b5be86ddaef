"""The pages links in mail land on. Opening a link only shows a button: mail scanners and
link previews fetch every URL in a message, and must not use up a one-time link. The
button's POST does the work."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from townhall.api.auth import _secure
from townhall.api.deps import SESSION_COOKIE, guard_origin, services
from townhall.domain import accounts, email_links
from townhall.domain.services import Services
from townhall.errors import TownhallError

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · Townhall</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;
line-height:1.5}}button{{font:inherit;padding:.5em 1.2em}}input{{font:inherit;padding:.4em;
width:100%;box-sizing:border-box}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""

# A mailed link is one factor; accounts with two-factor on add their code here too.
_CODE_FIELD = (
    "<p><label>Authenticator code (only if your account uses two-factor)<br>"
    '<input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="64">'
    "</label></p>"
)

_FORMS = {
    "verify": ("Confirm your email address", "", "Confirm my address"),
    "reset": (
        "Choose a new password",
        "<p><label>New password (at least 8 characters)<br>"
        '<input type="password" name="password" minlength="8" required'
        ' autocomplete="new-password"></label></p>' + _CODE_FIELD,
        "Save the new password",
    ),
    "magic": ("Sign in", _CODE_FIELD, "Sign me in"),
}

_DONE = {
    "verify": "Your address {email} is confirmed. You can close this page.",
    "reset": "Your password is changed and you are signed in as {email}."
    " Other sessions were signed out.",
    "magic": "You are signed in as {email}. You can close this page and go back to the article.",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(_PAGE.format(title=escape(title), body=body), status, headers=headers)


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
            return _page("Not found", "<p>There is no such page.</p>", 404)
        title, fields, action = _FORMS[kind]
        body = (
            f'<form method="post" action="/auth/{kind}">'
            f'<input type="hidden" name="token" value="{escape(token, quote=True)}">'
            f'{fields}<p><button type="submit">{escape(action)}</button></p></form>'
        )
        return _page(title, body)

    @router.post("/auth/{kind}")
    async def act(kind: str, request: Request) -> Response:
        if kind not in _FORMS:
            return _page("Not found", "<p>There is no such page.</p>", 404)
        guard_origin(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        password = form.get("password", [""])[0]
        totp = form.get("totp", [""])[0][:64] or None
        svc = services(request)
        agent = request.headers.get("user-agent")
        try:
            user, session = await run_in_threadpool(_act, svc, kind, token, password, totp, agent)
        except TownhallError as exc:
            return _page(exc.title, f"<p>{escape(exc.detail)}</p>", exc.status)
        done = _DONE[kind].format(email=user["email"])
        response = _page(_FORMS[kind][0], f"<p>{escape(done)}</p>")
        if session is not None:
            response.set_cookie(
                SESSION_COOKIE,
                session,
                max_age=int(svc.settings.session_days) * 86_400,
                httponly=True,
                samesite="lax",
                secure=_secure(request),
                path="/",
            )
        return response

    return router
