"""create_app(settings) -> the ASGI app. Nothing connects or configures at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

import townhall
from townhall import jobs
from townhall.api import auth, comments, edge_cache, identity, live, problems, security
from townhall.api import moderation as moderation_api
from townhall.api import notices as notices_api
from townhall.api import notifications as notifications_api
from townhall.api import oidc as oidc_api
from townhall.api import privacy as privacy_api
from townhall.api import search as search_api
from townhall.api import staff as staff_api
from townhall.api import webhooks as webhooks_api
from townhall.api.edge_cache import EdgeCache
from townhall.api.isso import isso_router
from townhall.api.limits import BodyLimit
from townhall.dashboard.views import dashboard_router
from townhall.domain import moderation, reply_mail, sites, webhook_delivery
from townhall.domain.services import Services
from townhall.settings import Settings
from townhall.web import auth_pages, notice_pages, notify_pages, pages
from townhall.web.headers import SecurityHeaders


def create_app(
    settings: Settings | None = None, services: Services | None = None, *, migrate: bool = True
) -> ASGIApp:
    settings = settings or Settings.load()
    services = services or Services.build(settings)
    if migrate:
        from townhall.store.migrate import upgrade

        upgrade(services.db.url, ip_hash_secret=str(settings.ip_hash_secret))
    sites.ensure_default_site(services)
    moderation.warm_up(services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with (
            webhook_delivery.running(services),  # identity (#5): the outbox sender
            jobs.running(services),  # scheduled jobs: the IP-hash purge (#5)
            reply_mail.running(services),  # identity (#5): the batched reply mail
        ):
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="Townhall",
        version=townhall.__version__,
        summary="Comments for news sites.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    app.include_router(auth.router)
    app.include_router(identity.router)
    app.include_router(security.router)  # identity (#5): two-factor, sessions
    app.include_router(privacy_api.router)  # identity (#5): export my data, delete my account
    app.include_router(oidc_api.router)  # identity (#5): OpenID Connect sign-in
    app.include_router(auth_pages.auth_pages_router())
    app.include_router(comments.router)
    app.include_router(moderation_api.router)
    app.include_router(notices_api.router)  # moderation (#3): illegal-content notices
    app.include_router(notice_pages.notice_pages_router())
    app.include_router(search_api.router)  # moderation (#3): search, notes, sites
    app.include_router(staff_api.router)
    app.include_router(webhooks_api.router)  # identity (#5): admins' webhooks
    app.include_router(live.router)
    app.include_router(notifications_api.router)  # identity (#5): reply notifications
    app.include_router(notifications_api.feeds_router)  # identity (#5): Atom feeds
    app.include_router(notify_pages.notify_pages_router())  # /me, /unsubscribe
    app.include_router(dashboard_router())  # /admin
    app.include_router(dashboard_router("/dashboard"))  # the same pages, for older links
    app.include_router(pages.widget_router(settings.language))
    if settings.isso_prefix:
        app.include_router(isso_router(settings))  # importers (#6): Isso's own client
    if settings.demo:
        app.include_router(pages.demo_router())
    app.add_middleware(
        CORSMiddleware,
        allow_origins=sorted(sites.all_allowed_origins(services)),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Content-Type", "Authorization"],
        # Isso's client reads its edit cookie from X-Set-Cookie, its clock from Date.
        expose_headers=["X-Set-Cookie", "Date"],
        max_age=600,
    )
    limited = BodyLimit(app, int(settings.max_body_bytes))
    secured = SecurityHeaders(limited, public_url=str(settings.public_url))
    # Outermost: cached anonymous pages and counts skip every layer above (#7).
    edge = EdgeCache(secured, enabled=int(settings.cache_ttl_seconds) > 0)
    edge_cache.install(edge, services)
    return edge


def app_from_env() -> ASGIApp:
    """Factory for ASGI servers (and their worker processes): settings from TOML and env."""
    return create_app(Settings.load())


def app_for_serve() -> ASGIApp:
    """Factory for `townhall serve`, which migrates the database before it starts the
    workers: a worker then never loads Alembic (~11 MB each, #7)."""
    return create_app(Settings.load(), migrate=False)
