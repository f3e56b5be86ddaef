"""Dashboard pages of a site's webhooks (#5): the list with add, rotate, delete and ping,
and each webhook's delivery log with "retry now". Admins only: the verbs check it. The
buttons call the JSON API (webhooks.js), which the API's origin check guards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.responses import Response

from townhall.domain import webhooks
from townhall.domain.services import Services

Page = Callable[[Request, str, Callable[[Services, dict[str, Any]], dict[str, Any]]], Response]


def add_routes(router: APIRouter, page: Page) -> None:
    @router.get("/sites/{slug}/webhooks")
    def webhook_list(request: Request, slug: str = PathParam(max_length=64)) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> dict[str, Any]:
            found = webhooks.list_hooks(svc, user=user, site=slug)
            return {
                "site_slug": slug,
                "hooks": found["webhooks"],
                "event_types": found["event_types"],
            }

        return page(request, "webhooks.html", build)

    @router.get("/sites/{slug}/webhooks/{hook_id}")
    def webhook_log(
        request: Request,
        slug: str = PathParam(max_length=64),
        hook_id: int = PathParam(ge=1, le=2**62),
    ) -> Response:
        def build(svc: Services, user: dict[str, Any]) -> dict[str, Any]:
            found = webhooks.delivery_log(svc, user=user, site=slug, hook_id=hook_id)
            return {"site_slug": slug, "hook": found["webhook"], "rows": found["deliveries"]}

        return page(request, "webhook_log.html", build)
