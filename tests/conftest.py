"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
TOWNHALL_TEST_DATABASE_URL is set), the real app, and factories that go through the API."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from townhall.app import create_app
from townhall.domain.services import Services
from townhall.settings import Settings

ORIGIN = "http://testserver"
# argon2id at one pass over 8 MiB (about 10 ms, not 150-300 ms at the production default):
# the suite signs up some 500 readers per pass. test_password_hashes.py checks the default.
FAST_PASSWORD_HASHES = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192}

# The "Townhall figures" summary at the end of a run, and the `figures` fixture (#8).
pytest_plugins = ["tests.support.figures"]


def _postgres_url(base: str) -> Iterator[str]:
    """A fresh schema per test in the given PostgreSQL database."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def require_server(url: str, what: str) -> None:
    """Skip, saying why, when the PostgreSQL or Redis server named for the tests is down."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url) if "://" in url else None
    host = (parsed.host if parsed else None) or "127.0.0.1"
    port = (parsed.port if parsed else None) or (6379 if what == "Redis" else 5432)
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        pytest.skip(f"{what} at {host}:{port} is not reachable; start it or unset the URL")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest revision, migrated once per test process; each test
    gets a copy, so 0.25 s of DDL is not paid 360 times. tests/store covers the migrations
    themselves on empty and older databases."""
    from townhall.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "townhall.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, for the tests of the migrations themselves."""
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL")
    if base:
        require_server(base, "PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
        yield from _postgres_url(base)
    else:
        yield f"sqlite:///{tmp_path / 'townhall.db'}"


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A database at the newest revision, migrated once per test process; each test gets a
    copy (CREATE DATABASE ... TEMPLATE: 0.03 s, where migrating a schema took 0.2 s)."""
    from sqlalchemy.engine import make_url

    from townhall.store.migrate import upgrade

    base = os.environ["TOWNHALL_TEST_DATABASE_URL"]
    require_server(base, "PostgreSQL (TOWNHALL_TEST_DATABASE_URL)")
    name = "townhall_template_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_copy(base: str, template: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    name = "townhall_t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL")
    if base:
        yield from _postgres_copy(base, request.getfixturevalue("migrated_postgres"))
        return
    template: Path = request.getfixturevalue("migrated_sqlite")
    shutil.copyfile(template, tmp_path / "townhall.db")
    yield f"sqlite:///{tmp_path / 'townhall.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    redis_url = os.environ.get("TOWNHALL_TEST_REDIS_URL", "")
    if redis_url:
        require_server(redis_url, "Redis (TOWNHALL_TEST_REDIS_URL)")
    return Settings.load(
        env={},
        data_dir=str(tmp_path),
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix="test-" + uuid.uuid4().hex[:12],
        rate_limits_enabled=False,
        site_origins="https://news.example.org",
        **FAST_PASSWORD_HASHES,
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services.build(settings)
    yield svc
    if svc.redis is not None:
        for key in svc.redis.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
            svc.redis.delete(key)
    svc.close()


@pytest.fixture
def app(settings: Settings, services: Services) -> Any:
    return create_app(settings, services)


class Reader:
    """A browser-like client: keeps its cookie, sends the page's Origin on writes."""

    def __init__(self, app: Any, origin: str = ORIGIN) -> None:
        self.http = TestClient(app, headers={"Origin": origin})
        self.user: dict[str, Any] | None = None

    def signup(self, name: str = "Reader", email: str | None = None) -> Reader:
        email = email or f"{uuid.uuid4().hex[:10]}@example.org"
        response = self.http.post(
            "/api/v1/auth/signup", json={"email": email, "password": "correct horse", "name": name}
        )
        assert response.status_code == 201, response.text
        self.user = response.json()["user"]
        return self

    def post(self, body: str, thread: str = "article-1", **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/comments", json={"thread": thread, "body": body, **extra}
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def thread(self, thread: str = "article-1", **params: Any) -> dict[str, Any]:
        response = self.http.get("/api/v1/comments", params={"thread": thread, **params})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def make_reader(app: Any) -> Any:
    def make(name: str = "Reader", **kwargs: Any) -> Reader:
        return Reader(app, **{k: v for k, v in kwargs.items() if k == "origin"}).signup(
            name, kwargs.get("email")
        )

    return make


@pytest.fixture
def anonymous(app: Any) -> Reader:
    return Reader(app)
