"""Webhook stories: a real HTTP receiver on loopback, and the app with its lifespan running
(the delivery loop), retries fast enough for a test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.domain.services import Services
from townhall.settings import Settings


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of ``answers`` (then 200) and keeps it."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.received)} deliveries arrived, not {count}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server convention
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(time.monotonic(), dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/townhall"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(
        webhook_allow_private=True,
        webhook_poll_seconds=0.05,
        webhook_retry_seconds="0.3,0.9",
        webhook_timeout_seconds=2.0,
    )


@pytest.fixture
def running(app: Any) -> Iterator[TestClient]:
    """The app's lifespan, so its delivery loop runs for the whole test."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def admin(make_reader: Any, services: Services, running: TestClient) -> Reader:
    return promote(services, make_reader("Admin"), "admin")


def add_hook(admin: Reader, url: str, events: list[str], site: str = "default") -> dict[str, Any]:
    response = admin.http.post(
        f"/api/v1/moderation/sites/{site}/webhooks", json={"url": url, "events": events}
    )
    assert response.status_code == 201, response.text
    hook: dict[str, Any] = response.json()
    return hook


def deliveries(admin: Reader, hook_id: int, site: str = "default") -> list[dict[str, Any]]:
    response = admin.http.get(f"/api/v1/moderation/sites/{site}/webhooks/{hook_id}/deliveries")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["deliveries"]
    return rows


@pytest.fixture
def app_with_hooks(settings: Settings) -> Iterator[Any]:
    """`app_with_hooks(**settings)` -> (an admin, make_reader) on an app with those settings,
    its lifespan running."""
    from townhall.app import create_app

    built: list[tuple[Services, TestClient]] = []

    def make(**overrides: Any) -> tuple[Reader, Any]:
        svc = Services.build(settings.replace(**overrides))
        app = create_app(svc.settings, svc)
        client = TestClient(app)
        client.__enter__()
        built.append((svc, client))

        def make_reader(name: str = "Reader") -> Reader:
            return Reader(app).signup(name)

        return promote(svc, make_reader("Admin"), "admin"), make_reader

    yield make
    for svc, client in built:
        client.__exit__(None, None, None)
        svc.close()
