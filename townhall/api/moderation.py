"""Moderation over HTTP: the reader's report route and the moderators' JSON routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import Id, current_user, guard_origin, json_response, services
from townhall.domain import curation, moderation, sites

router = APIRouter(prefix="/api/v1", tags=["moderation"], dependencies=[Depends(guard_origin)])


class ReportIn(BaseModel):
    reason: Literal["abuse", "spam", "off-topic", "misinformation", "other"]
    text: str | None = Field(default=None, max_length=1000)


class DecisionIn(BaseModel):
    comment_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=500)
    action: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=1000)


class ClusterDecisionIn(BaseModel):
    action: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=1000)


class StandingIn(BaseModel):
    state: Literal["warned", "premoderated", "suspended", "banned"] | None
    days: float | None = Field(default=None, gt=0, le=3650)
    reason: str | None = Field(default=None, max_length=500)
    reject_comments: bool = False


class ModeIn(BaseModel):
    thread: str = Field(min_length=1, max_length=500)
    site: str = Field(default="default", max_length=64)
    mode: Literal["open", "premoderated", "closed"]
    message: str | None = Field(default=None, max_length=500)


class FeatureIn(BaseModel):
    featured: bool


class ModeratorEditIn(BaseModel):
    body: str = Field(max_length=100_000)
    note: str = Field(max_length=1000)


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON (plain str keys for orjson); signatures and addresses stay here."""
    return [
        {str(k): v for k, v in row.items() if k not in ("signature", "remote_addr")} for row in rows
    ]


@router.post("/comments/{comment_id}/reports", status_code=201, responses=PROBLEMS)
def report_comment(
    payload: ReportIn,
    request: Request,
    comment_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = moderation.report(
        services(request),
        user=user,
        comment_id=comment_id,
        reason=payload.reason,
        text=payload.text,
    )
    return json_response(result, 201)


@router.get("/moderation/overview", responses=PROBLEMS)
def overview(request: Request, user: dict[str, Any] | None = Depends(current_user)) -> Response:
    result = moderation.overview(services(request), user=user)
    return json_response({"counts": result["counts"], "clusters": _plain(result["clusters"])})


@router.get("/moderation/queues/{name}", responses=PROBLEMS)
def queue(
    request: Request,
    name: str = Path(max_length=32),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    rows = moderation.queue(services(request), user=user, name=name)
    return json_response({"queue": name, "comments": _plain(rows)})


@router.get("/moderation/comments/{comment_id}", responses=PROBLEMS)
def comment_details(
    request: Request, comment_id: int = Id(), user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    found = moderation.comment_details(services(request), user=user, comment_id=comment_id)
    return json_response(
        {
            "comment": _plain([found["comment"]])[0],
            "check": _plain([found["check"]])[0] if found["check"] else None,
            "reports": _plain(found["reports"]),
            "standing": _plain([found["standing"]])[0] if found["standing"] else None,
        }
    )


@router.post("/moderation/decisions", responses=PROBLEMS)
def decide(
    payload: DecisionIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    result = moderation.decide(
        services(request),
        user=user,
        comment_ids=payload.comment_ids,
        action=payload.action,
        reason=payload.reason,
    )
    return json_response(result)


@router.post("/moderation/clusters/{cluster_id}/decision", responses=PROBLEMS)
def decide_cluster(
    payload: ClusterDecisionIn,
    request: Request,
    cluster_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = moderation.decide_cluster(
        services(request),
        user=user,
        cluster_id=cluster_id,
        action=payload.action,
        reason=payload.reason,
    )
    return json_response(result)


@router.put("/moderation/users/{user_id}/standing", responses=PROBLEMS)
def set_standing(
    payload: StandingIn,
    request: Request,
    user_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = moderation.set_standing(
        services(request),
        user=user,
        user_id=user_id,
        state=payload.state,
        days=payload.days,
        reason=payload.reason,
        reject_comments=payload.reject_comments,
    )
    return json_response(result)


@router.put("/moderation/threads/mode", responses=PROBLEMS)
def set_mode(
    payload: ModeIn, request: Request, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    svc = services(request)
    result = moderation.set_thread_mode(
        svc,
        user=user,
        site=sites.get_site(svc, payload.site),
        thread_key=payload.thread,
        mode=payload.mode,
        message=payload.message,
    )
    return json_response(result)


@router.get("/moderation/audit", responses=PROBLEMS)
def audit(
    request: Request,
    action: str | None = Query(default=None, max_length=32),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    rows = moderation.audit_log(services(request), user=user, action=action)
    return json_response({"entries": _plain(rows)})


@router.put("/moderation/comments/{comment_id}/featured", responses=PROBLEMS)
def feature(
    payload: FeatureIn,
    request: Request,
    comment_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = curation.feature(
        services(request), user=user, comment_id=comment_id, on=payload.featured
    )
    return json_response(result)


@router.patch("/moderation/comments/{comment_id}", responses=PROBLEMS)
def moderator_edit(
    payload: ModeratorEditIn,
    request: Request,
    comment_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    result = curation.moderator_edit(
        services(request), user=user, comment_id=comment_id, body=payload.body, note=payload.note
    )
    result["revisions"] = _plain(result["revisions"])
    return json_response(result)


@router.get("/moderation/comments/{comment_id}/revisions", responses=PROBLEMS)
def revisions(
    request: Request, comment_id: int = Id(), user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    rows = curation.revisions(services(request), user=user, comment_id=comment_id)
    return json_response({"revisions": _plain(rows)})
