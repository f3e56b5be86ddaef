"""A reader's own data (#5): GET /api/v1/me/export, DELETE /api/v1/me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import (
    SESSION_COOKIE,
    client_ip,
    current_user,
    guard_origin,
    json_response,
    services,
    session_token,
)
from townhall.api.schemas import StrictModel
from townhall.domain import privacy

router = APIRouter(prefix="/api/v1/me", tags=["privacy"], dependencies=[Depends(guard_origin)])


class DeleteIn(StrictModel):
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="The account's password. Accounts without one (publisher SSO, OpenID"
        " Connect, mailed links) leave it out and must have signed in within 10 minutes.",
    )


@router.get("/export", responses={200: {"description": "All of the reader's data."}, **PROBLEMS})
def export(request: Request, user: dict[str, Any] | None = Depends(current_user)) -> Response:
    """Everything Townhall keeps about the signed-in reader, as one JSON download."""
    data = privacy.export_data(services(request), user, session_token(request))
    filename = f"townhall-data-{data['profile']['id']}.json"
    return json_response(
        data,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("", responses={200: {"description": "What became of the comments."}, **PROBLEMS})
def delete_me(
    request: Request,
    payload: DeleteIn | None = Body(default=None),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """Deletes the signed-in reader's account: signs out everywhere, erases their personal
    data; the site's ``deleted_account_comments`` setting decides about their comments."""
    svc = services(request)
    password = payload.password if payload else None
    if password:  # a password guess, throttled like sign-in
        rule = svc.settings.rate_limit_signin
        svc.limiter.hit(rule, "signin-ip", client_ip(request), "sign-in attempts")
    outcome = privacy.delete_account(svc, user, password=password, token=session_token(request))
    response = json_response({"deleted": True, **outcome})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
