"""Staff security: two-factor setup and the list of one's sessions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import (
    Id,
    client_ip,
    current_user,
    guard_origin,
    json_response,
    session_token,
)
from townhall.api.deps import services as get_services
from townhall.api.schemas import StrictModel
from townhall.domain import accounts, second_factor
from townhall.domain.access import access_signed_in

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(guard_origin)])


class Credentials(StrictModel):
    """Signed-in people send nothing; staff who must set up two-factor before they can
    sign in send their email and password instead."""

    email: str | None = Field(default=None, max_length=320)
    password: str | None = Field(default=None, max_length=1024)


class CodeIn(Credentials):
    code: str = Field(max_length=64, description="A 6-digit code, or a recovery code.")


def _who(request: Request, user: dict[str, Any] | None, body: Credentials) -> dict[str, Any]:
    if user is not None:
        return user
    if body.email and body.password:
        svc = get_services(request)
        rule = svc.settings.rate_limit_signin
        svc.limiter.hit(rule, "signin-ip", client_ip(request), "sign-in attempts")
        svc.limiter.hit(rule, "signin-email", body.email.strip().lower(), "sign-in attempts")
        return accounts.sign_in(svc, email=body.email, password=body.password)
    return access_signed_in(None, "set up two-factor authentication")


@router.get("/2fa", responses=PROBLEMS)
def two_factor_status(
    request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    person = access_signed_in(user, "see your two-factor settings")
    return json_response(second_factor.status(get_services(request), person))


@router.post("/2fa", status_code=201, responses=PROBLEMS)
def two_factor_enrol(
    request: Request,
    body: Credentials | None = None,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """A new TOTP secret and its otpauth:// URI (show it as a QR code)."""
    person = _who(request, user, body or Credentials())
    return json_response(second_factor.enrol(get_services(request), person), 201)


@router.post("/2fa/confirm", responses=PROBLEMS)
def two_factor_confirm(
    body: CodeIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    """Turns two-factor on with a first code; answers 10 recovery codes, shown once."""
    person = _who(request, user, body)
    codes = second_factor.confirm(get_services(request), person, body.code)
    return json_response({"recovery_codes": codes})


@router.post("/2fa/recovery-codes", responses=PROBLEMS)
def two_factor_new_codes(
    body: CodeIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    person = access_signed_in(user, "make new recovery codes")
    codes = second_factor.new_recovery_codes(get_services(request), person, body.code)
    return json_response({"recovery_codes": codes})


@router.post("/2fa/disable", status_code=204, responses=PROBLEMS)
def two_factor_disable(
    body: CodeIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    person = access_signed_in(user, "turn off two-factor authentication")
    second_factor.disable(get_services(request), person, body.code)
    return Response(status_code=204)


@router.get("/sessions", responses=PROBLEMS)
def list_sessions(
    request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    person = access_signed_in(user, "see your sessions")
    found = second_factor.sessions(get_services(request), person, session_token(request))
    return json_response({"sessions": found})


class PasswordChangeIn(StrictModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, description="At least 8 characters, not common.")


@router.post("/password", responses=PROBLEMS)
def change_password(
    payload: PasswordChangeIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    """Changes the password and signs out every other session; this one stays."""
    person = access_signed_in(user, "change your password")
    svc = get_services(request)
    # Guessing the current password through a borrowed session counts like sign-in attempts.
    svc.limiter.hit(svc.settings.rate_limit_signin, "signin-email", person["email"], "attempts")
    revoked = accounts.change_password(
        svc,
        person,
        current=payload.current_password,
        new=payload.new_password,
        token=session_token(request),
    )
    return json_response({"revoked": revoked})


@router.delete("/sessions/{session_id}", status_code=204, responses=PROBLEMS)
def revoke_session(
    request: Request,
    session_id: int = Id("The session's id, from GET /api/v1/auth/sessions."),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    person = access_signed_in(user, "sign a session out")
    second_factor.revoke_session(get_services(request), person, session_id)
    return Response(status_code=204)


@router.post("/sessions/revoke-others", responses=PROBLEMS)
def revoke_other_sessions(
    request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    """Signs out everywhere else; the session making this call stays."""
    person = access_signed_in(user, "sign out your other sessions")
    count = second_factor.revoke_other_sessions(
        get_services(request), person, session_token(request)
    )
    return json_response({"revoked": count})
