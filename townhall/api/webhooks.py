"""Admins' webhooks of a site (#5): register, rotate the secret, delete, ping, the delivery
log and "retry now". docs/webhooks.md describes what receivers get."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.api.auth import PROBLEMS
from townhall.api.deps import Id, current_user, guard_origin, json_response, services
from townhall.domain import webhooks

router = APIRouter(prefix="/api/v1", tags=["webhooks"], dependencies=[Depends(guard_origin)])
Slug = Path(max_length=64, description="The site's slug.")
BASE = "/moderation/sites/{site}/webhooks"


class WebhookIn(BaseModel):
    url: str = Field(max_length=4000, description="http(s) URL that receives the POSTs.")
    events: list[str] = Field(
        max_length=len(webhooks.EVENT_TYPES), description=", ".join(webhooks.EVENT_TYPES)
    )


@router.get(BASE, responses=PROBLEMS)
def list_webhooks(
    request: Request, site: str = Slug, user: dict[str, Any] | None = Depends(current_user)
) -> Response:
    return json_response(webhooks.list_hooks(services(request), user=user, site=site))


@router.post(BASE, status_code=201, responses=PROBLEMS)
def add_webhook(
    payload: WebhookIn,
    request: Request,
    site: str = Slug,
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    """The answer's ``secret`` is shown this once; keep it where the receiver can read it."""
    hook = webhooks.add_hook(
        services(request), user=user, site=site, url=payload.url, chosen=payload.events
    )
    return json_response(hook, 201)


@router.post(BASE + "/{hook_id}/secret", responses=PROBLEMS)
def rotate_secret(
    request: Request,
    site: str = Slug,
    hook_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    hook = webhooks.rotate_secret(services(request), user=user, site=site, hook_id=hook_id)
    return json_response(hook)


@router.delete(BASE + "/{hook_id}", status_code=204, responses=PROBLEMS)
def delete_webhook(
    request: Request,
    site: str = Slug,
    hook_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    webhooks.delete_hook(services(request), user=user, site=site, hook_id=hook_id)
    return Response(status_code=204)


@router.post(BASE + "/{hook_id}/ping", status_code=202, responses=PROBLEMS)
def ping(
    request: Request,
    site: str = Slug,
    hook_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    queued = webhooks.ping(services(request), user=user, site=site, hook_id=hook_id)
    return json_response(queued, 202)


@router.get(BASE + "/{hook_id}/deliveries", responses=PROBLEMS)
def deliveries(
    request: Request,
    site: str = Slug,
    hook_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    log = webhooks.delivery_log(services(request), user=user, site=site, hook_id=hook_id)
    return json_response(log)


@router.post(
    BASE + "/{hook_id}/deliveries/{delivery_id}/retry", status_code=202, responses=PROBLEMS
)
def retry(
    request: Request,
    site: str = Slug,
    hook_id: int = Id(),
    delivery_id: int = Id(),
    user: dict[str, Any] | None = Depends(current_user),
) -> Response:
    found = webhooks.retry_now(
        services(request), user=user, site=site, hook_id=hook_id, delivery_id=delivery_id
    )
    return json_response(found, 202)
