"""Sign-in through a site's OpenID Connect providers (docs/oidc.md), and their configuration.

``start`` and ``callback`` are visited by the reader's browser, top level: an error there
is a small page a person can read (with a way back to the article), or a problem document
for a client that does not ask for HTML.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field
from starlette.responses import HTMLResponse, RedirectResponse, Response

from townhall.api.auth import PROBLEMS, _signed_in
from townhall.api.deps import Id, client_ip, current_user, guard_origin, json_response, own_origin
from townhall.api.deps import services as get_services
from townhall.api.problems import problem_response
from townhall.api.schemas import AuthOut, StrictModel
from townhall.domain import oidc, sites
from townhall.errors import OidcFailed, TownhallError
from townhall.i18n import N_, choose, direction, translated_detail, translations

router = APIRouter(prefix="/api/v1", tags=["auth"], dependencies=[Depends(guard_origin)])
Slug = Path(max_length=64, description="The site's slug.")
NO_STORE = {"Cache-Control": "no-store"}
# The provider's failures: a 502 says the provider, not the request, is at fault.
UPSTREAM: dict[int | str, dict[str, Any]] = {**PROBLEMS, 502: PROBLEMS[400]}

_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · Townhall</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;
line-height:1.5}}</style></head>
<body><main><h1>{title}</h1><p>{detail}</p>{back}</main></body></html>
"""


class HandoffIn(StrictModel):
    token: str = Field(max_length=200, description="The token after #townhall-oidc= .")
    totp: str | None = Field(
        default=None, max_length=64, description="Authenticator or recovery code (staff)."
    )


class ProviderIn(StrictModel):
    name: str = Field(max_length=64, examples=["Keycloak"])
    issuer: str = Field(max_length=500, examples=["https://login.example.org/realms/news"])
    client_id: str = Field(max_length=300)
    client_secret: str = Field(max_length=500)
    scope: str = Field(default=oidc.DEFAULT_SCOPE, max_length=300)


# Outside English, a provider's refusal reads this rather than mixing in an English detail.
REFUSED = N_(
    "The sign-in provider could not sign you in. Please try again, or sign in another way."
)


def _refusal(request: Request, exc: TownhallError, return_to: str | None = None) -> Response:
    """The error as a page for a browser, as a problem document for anything else."""
    if "text/html" not in request.headers.get("accept", ""):
        return problem_response(exc.status, exc.problem(), {**exc.headers, **NO_STORE})
    lang = choose(
        None,
        request.headers.get("accept-language"),
        str(get_services(request).settings.language),
    )
    gettext = translations(lang).gettext
    back = ""
    if return_to:
        label = escape(gettext("Back to the article"))
        back = f'<p><a href="{escape(return_to, quote=True)}">{label}</a></p>'
    html = _PAGE.format(
        lang=escape(lang, quote=True),
        title=escape(gettext("Sign-in did not work")),
        dir=direction(lang),
        detail=escape(translated_detail(exc, translations(lang), REFUSED)),
        back=back,
    )
    return HTMLResponse(html, exc.status, headers=NO_STORE)


@router.get("/sites/{site}/config", tags=["sites"], responses=PROBLEMS)
def site_config(request: Request, site: str = Slug) -> Response:
    """What the comment box needs to know about a site: its sign-in providers (ids, names)."""
    svc = get_services(request)
    found = sites.get_site(svc, site)
    body = {"site": found["slug"], "oidc_providers": oidc.public_providers(svc, found)}
    return json_response(body, headers={"Cache-Control": "max-age=60"})


@router.get(
    "/auth/oidc/{provider_id}/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "To the provider's sign-in page."}, **UPSTREAM},
)
def oidc_start(
    request: Request,
    provider_id: int = Id("The provider, from GET /api/v1/sites/{site}/config."),
    return_to: str = Query(max_length=2000, description="The article to come back to."),
) -> Response:
    svc = get_services(request)
    try:
        svc.limiter.hit(svc.settings.rate_limit_signin, "oidc-ip", client_ip(request), "sign-ins")
        url = oidc.start(
            svc, provider_id=provider_id, return_to=return_to, own_origin=own_origin(request)
        )
    except TownhallError as exc:
        return _refusal(request, exc)
    return RedirectResponse(url, 302, headers=NO_STORE)


@router.get(
    "/auth/oidc/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "Back to the article, with a hand-off token."}, **UPSTREAM},
)
def oidc_callback(
    request: Request,
    state: str = Query(default="", max_length=200),
    code: str = Query(default="", max_length=2000),
    error: str = Query(default="", max_length=200),
    error_description: str = Query(default="", max_length=1000),
    iss: str = Query(default="", max_length=500),
) -> Response:
    """Where providers send the reader back (register this address with the provider)."""
    svc = get_services(request)
    pending: dict[str, Any] | None = None
    try:
        pending = oidc.take_state(svc, state)
        provider = pending["provider"]
        if error:
            raise OidcFailed(_provider_error(provider["name"], error, error_description))
        if iss and iss.rstrip("/") != provider["issuer"].rstrip("/"):
            # RFC 9207: the answer came from another provider than the one asked (mix-up).
            raise OidcFailed(f"The answer came from {iss!r}, not from {provider['name']}.")
        if not code:
            raise OidcFailed(f"{provider['name']} sent the reader back without a code.")
        _user, handoff = oidc.finish(svc, pending, code=code, own_origin=own_origin(request))
    except TownhallError as exc:
        return _refusal(request, exc, pending["return_to"] if pending else None)
    return RedirectResponse(
        oidc.back_to_article(pending["return_to"], handoff), 302, headers=NO_STORE
    )


def _provider_error(name: str, error: str, description: str) -> str:
    if error == "access_denied":
        return f"You did not allow {name} to sign you in here; nothing was changed."
    said = f": {description[:300]}" if description else ""
    return f"{name} could not sign you in ({error[:60]}{said})."


@router.post("/auth/oidc/handoff", responses={200: {"model": AuthOut}, **PROBLEMS})
def oidc_handoff(payload: HandoffIn, request: Request) -> Response:
    """Trades the hand-off token from the article's URL for a session."""
    svc = get_services(request)
    user = oidc.take_handoff(svc, payload.token, payload.totp)
    return _signed_in(request, user, 200)


# --- configuration, for admins (the dashboard's site page uses these) ----------------------


def _callback_url(request: Request) -> str:
    return own_origin(request).rstrip("/") + oidc.CALLBACK_PATH


@router.get("/moderation/sites/{site}/oidc-providers", tags=["moderation"], responses=PROBLEMS)
def list_providers(
    request: Request, site: str = Slug, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    found = oidc.providers(get_services(request), user=user, site=site)
    callback = _callback_url(request)
    body = {"callback_url": callback, "providers": [oidc.admin_view(p, callback) for p in found]}
    return json_response(body, headers=NO_STORE)


@router.post(
    "/moderation/sites/{site}/oidc-providers",
    status_code=201,
    tags=["moderation"],
    responses=PROBLEMS,
)
def add_provider(
    payload: ProviderIn,
    request: Request,
    site: str = Slug,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    added = oidc.add_provider(get_services(request), user=user, site=site, **payload.model_dump())
    return json_response(oidc.admin_view(added, _callback_url(request)), 201)


@router.delete(
    "/moderation/sites/{site}/oidc-providers/{provider_id}",
    status_code=204,
    tags=["moderation"],
    responses=PROBLEMS,
)
def remove_provider(
    request: Request,
    site: str = Slug,
    provider_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    oidc.remove_provider(get_services(request), user=user, site=site, provider_id=provider_id)
    return Response(status_code=204)
