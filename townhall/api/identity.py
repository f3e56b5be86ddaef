"""Email confirmation, password reset, magic links, publisher SSO, sessions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS, _signed_in
from townhall.api.deps import (
    client_ip,
    current_user,
    guard_origin,
    json_response,
    language,
    own_origin,
)
from townhall.api.deps import services as get_services
from townhall.api.schemas import AuthOut, MeOut, StrictModel
from townhall.domain import accounts, email_links, sites, sso
from townhall.domain.access import access_signed_in

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(guard_origin)])
ACCEPTED = {202: {"description": "Accepted; a mail is on its way when the address has an account."}}


class EmailIn(StrictModel):
    email: str = Field(max_length=320, examples=["reader@example.org"])


class TokenIn(StrictModel):
    token: str = Field(max_length=200, description="The token from the link in the mail.")


class SsoIn(StrictModel):
    site: str = Field(default="default", max_length=64)
    token: str = Field(max_length=8192, description="The JWT the publisher signed.")


_TOTP_HELP = "Authenticator or recovery code, for accounts with two-factor on (#5)."


class MagicIn(StrictModel):
    token: str = Field(max_length=200, description="The token from the link in the mail.")
    totp: str | None = Field(default=None, max_length=64, description=_TOTP_HELP)


class ResetIn(StrictModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    totp: str | None = Field(default=None, max_length=64, description=_TOTP_HELP)


def _limit_mail(request: Request, email: str) -> None:
    svc = get_services(request)
    rule = svc.settings.rate_limit_signin
    svc.limiter.hit(rule, "mail-ip", client_ip(request), "mail requests")
    svc.limiter.hit(rule, "mail-email", email.strip().lower(), "mail requests")


@router.post(
    "/verification", status_code=202, response_class=Response, responses={**ACCEPTED, **PROBLEMS}
)
def send_verification(
    request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    """Sends a new confirmation mail to the signed-in reader."""
    reader = access_signed_in(user, "confirm your email address")
    _limit_mail(request, reader["email"])
    email_links.request_verification(
        get_services(request), reader, own_origin(request), language(request)
    )
    return Response(status_code=202)


@router.post("/verify", responses={200: {"model": MeOut}, **PROBLEMS})
def verify(payload: TokenIn, request: Request) -> Response:
    user = email_links.verify_email(get_services(request), payload.token)
    return json_response({"user": accounts.public_user(user)})


@router.post(
    "/password-reset", status_code=202, response_class=Response, responses={**ACCEPTED, **PROBLEMS}
)
def password_reset(payload: EmailIn, request: Request) -> Response:
    _limit_mail(request, payload.email)
    email_links.request_password_reset(
        get_services(request), payload.email, own_origin(request), language(request)
    )
    return Response(status_code=202)


@router.post("/password-reset/confirm", responses={200: {"model": AuthOut}, **PROBLEMS})
def password_reset_confirm(payload: ResetIn, request: Request) -> Response:
    user = email_links.reset_password(
        get_services(request), payload.token, payload.password, payload.totp
    )
    return _signed_in(request, user, 200)


@router.post(
    "/magic-link", status_code=202, response_class=Response, responses={**ACCEPTED, **PROBLEMS}
)
def magic_link(payload: EmailIn, request: Request) -> Response:
    _limit_mail(request, payload.email)
    email_links.request_magic_link(
        get_services(request), payload.email, own_origin(request), language(request)
    )
    return Response(status_code=202)


@router.post("/magic-link/consume", responses={200: {"model": AuthOut}, **PROBLEMS})
def magic_link_consume(payload: MagicIn, request: Request) -> Response:
    user = email_links.consume_magic_link(get_services(request), payload.token, payload.totp)
    return _signed_in(request, user, 200)


@router.post("/sso", responses={200: {"model": AuthOut}, **PROBLEMS})
def sso_sign_in(payload: SsoIn, request: Request) -> Response:
    """Signs in (creating or updating the account) with a token from the site's own login."""
    svc = get_services(request)
    svc.limiter.hit(svc.settings.rate_limit_signin, "sso-ip", client_ip(request), "sign-ins")
    site = sites.get_site(svc, payload.site)
    user = sso.sign_in(svc, site, payload.token)
    return _signed_in(request, user, 200)
