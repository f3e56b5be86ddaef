"""Illegal-content notices over HTTP: the public route anyone may send one through, and the
moderators' queue and decision routes (townhall.domain.notices)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import (
    Id,
    client_ip,
    current_user,
    guard_origin,
    json_response,
    language,
    services,
)
from townhall.domain import notices

router = APIRouter(prefix="/api/v1", tags=["notices"], dependencies=[Depends(guard_origin)])


class NoticeIn(BaseModel):
    category: str = Field(max_length=32, description="One of the categories listed in docs/api.md.")
    explanation: str = Field(max_length=notices.MAX_EXPLANATION)
    reporter_name: str = Field(max_length=notices.MAX_NAME)
    reporter_email: str = Field(max_length=320)
    good_faith: bool = Field(description="The reporter's good-faith statement; must be true.")


class NoticeDecisionIn(BaseModel):
    decision: Literal["remove", "keep"]
    statement: str = Field(max_length=notices.MAX_STATEMENT)


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in rows]


@router.post("/comments/{comment_id}/notices", status_code=201, responses=PROBLEMS)
def send_notice(
    payload: NoticeIn,
    request: Request,
    comment_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = notices.submit_notice(
        services(request),
        user=user,
        comment_id=comment_id,
        category=payload.category,
        explanation=payload.explanation,
        reporter_name=payload.reporter_name,
        reporter_email=payload.reporter_email,
        good_faith=payload.good_faith,
        remote_addr=client_ip(request),
        lang=language(request),
    )
    return json_response(result, 201)


@router.get("/moderation/notices", responses=PROBLEMS)
def list_notices(
    request: Request,
    state: Literal["open", "decided"] = Query(default="open"),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    rows = notices.list_notices(services(request), user=user, decided=state == "decided")
    return json_response({"state": state, "notices": _plain(rows)})


@router.post("/moderation/notices/{notice_id}/decision", responses=PROBLEMS)
def decide_notice(
    payload: NoticeDecisionIn,
    request: Request,
    notice_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = notices.decide_notice(
        services(request),
        user=user,
        notice_id=notice_id,
        decision=payload.decision,
        statement=payload.statement,
    )
    return json_response(result)
