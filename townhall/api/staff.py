"""Staff routes: moderators' notes on users, a site's moderation settings and moderators."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import Id, current_user, guard_origin, json_response, services
from townhall.domain import site_settings, staff

router = APIRouter(prefix="/api/v1", tags=["moderation"], dependencies=[Depends(guard_origin)])
Slug = Path(max_length=64, description="The site's slug.")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    site_id: int | None = Field(default=None, ge=1, le=2**62)


class SiteRoleIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    role: Literal["moderator"] | None


@router.get("/moderation/users/{user_id}/notes", responses=PROBLEMS)
def list_notes(
    request: Request, user_id: int = Id(), user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    found = staff.notes(services(request), user=user, user_id=user_id)
    return json_response({"notes": [{str(k): v for k, v in row.items()} for row in found]})


@router.post("/moderation/users/{user_id}/notes", status_code=201, responses=PROBLEMS)
def add_note(
    payload: NoteIn,
    request: Request,
    user_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    note = staff.add_note(
        services(request), user=user, user_id=user_id, text=payload.text, site_id=payload.site_id
    )
    return json_response(note, 201)


@router.get("/moderation/sites/{site}/settings", responses=PROBLEMS)
def get_settings(
    request: Request, site: str = Slug, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    return json_response(site_settings.get(services(request), user=user, site=site))


@router.put("/moderation/sites/{site}/settings", responses=PROBLEMS)
def put_settings(
    payload: dict[str, Any],
    request: Request,
    site: str = Slug,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = site_settings.update(services(request), user=user, site=site, values=payload)
    return json_response(result)


@router.put("/moderation/sites/{site}/roles", responses=PROBLEMS)
def put_role(
    payload: SiteRoleIn,
    request: Request,
    site: str = Slug,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = staff.set_site_role(
        services(request), user=user, email=payload.email, site=site, role=payload.role
    )
    return json_response(result)
