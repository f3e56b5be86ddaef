"""Moderators' full-text search over every comment, moderated ones included."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import current_user, guard_origin, json_response, services
from townhall.domain import search as search_verbs

router = APIRouter(prefix="/api/v1", tags=["moderation"], dependencies=[Depends(guard_origin)])
HIDDEN = ("signature", "remote_addr")


@router.get("/moderation/search", responses=PROBLEMS)
def search(
    request: Request,
    text: str = Query(default="", max_length=200, description="Words the comment contains."),
    author: str = Query(default="", max_length=200, description="User number, email or name."),
    since: str = Query(default="", max_length=40, description="From this day (2026-03-01)."),
    until: str = Query(default="", max_length=40, description="Up to this day, inclusive."),
    before: int | None = Query(default=None, ge=1, le=2**62, description="The page's `next`."),
    limit: int = Query(default=50, ge=1, le=100),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    found = search_verbs.search(
        services(request),
        user=user,
        text=text,
        author=author,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
    rows = [{str(k): v for k, v in row.items() if k not in HIDDEN} for row in found["comments"]]
    return json_response({"comments": rows, "next": found["next"]})
