"""Sign-up, sign-in, sign-out, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from townhall.api.deps import (
    SESSION_COOKIE,
    client_ip,
    current_user,
    guard_origin,
    json_response,
    language,
    own_origin,
    services,
    session_token,
)
from townhall.api.schemas import AuthOut, MeOut, Problem, SigninIn, SignupIn
from townhall.domain import accounts, email_links, second_factor
from townhall.errors import NotSignedIn

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(guard_origin)])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 410, 413, 415, 422, 429)
}


def _secure(request: Request) -> bool:
    mode = services(request).settings.secure_cookies
    if mode == "always":
        return True
    if mode == "never":
        return False
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The one session cookie every sign-in path sets: httponly, SameSite=Lax, whole origin."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(services(request).settings.session_days) * 86_400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def _signed_in(request: Request, user: dict[str, Any], status: int, **extra: Any) -> Response:
    svc = services(request)
    token = accounts.start_session(svc, user["id"], request.headers.get("user-agent"))
    body = {"user": accounts.public_user(user), "token": token, **extra}
    response = json_response(body, status)
    set_session_cookie(response, request, token)
    return response


@router.post("/signup", status_code=201, responses={201: {"model": AuthOut}, **PROBLEMS})
def signup(payload: SignupIn, request: Request) -> Response:
    svc = services(request)
    svc.limiter.hit(svc.settings.rate_limit_signup, "signup-ip", client_ip(request), "sign-ups")
    user = accounts.create_user(
        svc, email=payload.email, password=payload.password, name=payload.name
    )
    email_links.after_signup(svc, user, own_origin(request), language(request))
    # The box tells a new reader to check their mail when a confirmation went out (#5).
    verification = str(svc.settings.email_verification)
    return _signed_in(request, user, 201, email_verification=verification)


@router.post("/signin", responses={200: {"model": AuthOut}, **PROBLEMS})
def signin(payload: SigninIn, request: Request) -> Response:
    svc = services(request)
    rule = svc.settings.rate_limit_signin
    svc.limiter.hit(rule, "signin-ip", client_ip(request), "sign-in attempts")
    svc.limiter.hit(rule, "signin-email", payload.email.strip().lower(), "sign-in attempts")
    user = accounts.sign_in(svc, email=payload.email, password=payload.password)
    second_factor.check_sign_in(svc, user, payload.totp)  # staff security (#5)
    return _signed_in(request, user, 200)


@router.post("/signout", status_code=204, responses=PROBLEMS)
def signout(request: Request) -> Response:
    token = session_token(request)
    if token:
        accounts.sign_out(services(request), token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", responses={200: {"model": MeOut}, **PROBLEMS})
def me(user: dict[str, Any] | None = Depends(current_user)) -> Response:
    if user is None:
        raise NotSignedIn("You are not signed in.")
    return json_response({"user": accounts.public_user(user)})
