"""Soak (#8): a real server takes a mixed load for a while (readers paging threads and
counts, writers posting comments and replies, readers reporting, live SSE connections that
come and go, a moderator working the queues) and answers every request without a 5xx or an
unexpected status, while its resident memory stays flat after a warm-up.

TOWNHALL_SOAK_SECONDS sets the length (60 s by default in CI; 600 for the long run).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.figures import Figures
from tests.support.server import TownhallServer, free_port

SECONDS = float(os.environ.get("TOWNHALL_SOAK_SECONDS", "60"))
# Caches, pools and the live backlog fill during the warm-up; growth is measured after it.
WARM_UP = min(20.0, SECONDS / 3)
MAX_GROWTH = 0.10
THREADS = [f"soak-{n}" for n in range(8)]
PASSWORD = "correct horse battery"
WORDS = (
    "council budget river bridge school vote mayor library tram housing park election"
    " harbour museum tax market hospital cycle lane festival"
).split()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Soak:
    def __init__(self, url: str, deadline: float) -> None:
        self.url = url
        self.deadline = deadline
        self.requests: Counter[str] = Counter()
        self.errors: list[str] = []
        self.ids: list[tuple[int, str]] = []  # (comment, its writer)
        self.events = 0
        self.lock = threading.Lock()

    def running(self) -> bool:
        return time.monotonic() < self.deadline and len(self.errors) < 20

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Origin": self.url}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def call(
        self, client: httpx.Client, op: str, allowed: set[int], method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        try:
            response = client.request(method, path, **kw)
        except httpx.HTTPError as error:
            self.fail(f"{op}: {error!r}")
            return None
        with self.lock:
            self.requests[op] += 1
        if response.status_code not in allowed:
            self.fail(f"{op} {method} {path}: {response.status_code} {response.text[:200]}")
        return response

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def some_id(self, not_by: str = "") -> int | None:
        """A recent comment, not one of `not_by`'s (readers can't report their own)."""
        with self.lock:
            recent = [i for i, writer in self.ids[-200:] if writer != not_by]
        return random.choice(recent) if recent else None  # noqa: S311

    # --- the actors --------------------------------------------------------------------

    def writer(self, token: str) -> None:
        with self.client(token) as client:
            while self.running():
                body = " ".join(random.choices(WORDS, k=12))  # noqa: S311
                payload: dict[str, Any] = {"thread": random.choice(THREADS), "body": body}  # noqa: S311
                parent = self.some_id() if random.random() < 0.3 else None  # noqa: S311
                if parent is not None:
                    response = self.call(
                        client, "parent", {200, 404}, "GET", f"/api/v1/comments/{parent}"
                    )
                    if response is None or response.status_code != 200:
                        continue
                    payload = {
                        "thread": response.json()["thread"],
                        "body": body,
                        "parent_id": parent,
                    }
                # 404: the parent was rejected meanwhile; 409/422: the chain is too deep.
                response = self.call(
                    client, "post", {201, 404, 409, 422}, "POST", "/api/v1/comments", json=payload
                )
                if response is not None and response.status_code == 201:
                    with self.lock:
                        self.ids.append((response.json()["id"], token))
                if random.random() < 0.1 and (target := self.some_id(not_by=token)):  # noqa: S311
                    # 404: already rejected; 409: reported by this reader before.
                    self.call(
                        client,
                        "report",
                        {201, 404, 409},
                        "POST",
                        f"/api/v1/comments/{target}/reports",
                        json={"reason": "spam"},
                    )

    def reader(self) -> None:
        with self.client() as client:
            while self.running():
                thread = random.choice(THREADS)  # noqa: S311
                self.call(
                    client, "page", {200}, "GET", "/api/v1/comments", params={"thread": thread}
                )
                self.call(
                    client,
                    "counts",
                    {200},
                    "GET",
                    "/api/v1/counts",
                    params=[("thread", t) for t in THREADS],
                )
                if target := self.some_id():
                    self.call(client, "comment", {200, 404}, "GET", f"/api/v1/comments/{target}")

    def listener(self) -> None:
        """Live connections that stay a few seconds each, then reconnect elsewhere."""
        with self.client() as client:
            while self.running():
                thread = random.choice(THREADS)  # noqa: S311
                until = min(self.deadline, time.monotonic() + random.uniform(2, 6))  # noqa: S311
                try:
                    with client.stream(
                        "GET", "/api/v1/threads/events", params={"thread": thread}
                    ) as response:
                        if response.status_code != 200:
                            self.fail(f"events: {response.status_code}")
                            continue
                        with self.lock:
                            self.requests["events"] += 1
                        for line in response.iter_lines():
                            if line.startswith("event:"):
                                with self.lock:
                                    self.events += 1
                            if time.monotonic() > until:
                                break
                except httpx.HTTPError as error:
                    self.fail(f"events: {error!r}")

    def moderator(self, token: str) -> None:
        with self.client(token) as client:
            action = "approve"
            while self.running():
                self.call(client, "overview", {200}, "GET", "/api/v1/moderation/overview")
                for queue in ("held", "pending", "reported"):
                    response = self.call(
                        client, "queue", {200}, "GET", f"/api/v1/moderation/queues/{queue}"
                    )
                    ids = [c["id"] for c in response.json()["comments"][:5]] if response else []
                    if ids:
                        action = "reject" if action == "approve" else "approve"
                        self.call(
                            client,
                            "decide",
                            {200},
                            "POST",
                            "/api/v1/moderation/decisions",
                            json={"comment_ids": ids, "action": action},
                        )
                if target := self.some_id():  # remove a live comment now and then
                    self.call(
                        client,
                        "decide",
                        {200},
                        "POST",
                        "/api/v1/moderation/decisions",
                        json={"comment_ids": [target], "action": "reject", "reason": "soak"},
                    )
                time.sleep(0.3)


def _townhall(data_dir: Path, *args: str) -> None:
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(data_dir), "TOWNHALL_NEW_PASSWORD": PASSWORD}
    subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "townhall", *args], env=env, check=True, capture_output=True
    )


def _token(url: str, path: str, payload: dict[str, str]) -> str:
    response = httpx.post(f"{url}{path}", json=payload, headers={"Origin": url}, timeout=60)
    assert response.status_code in (200, 201), response.text
    token: str = response.json()["token"]
    return token


@pytest.mark.slow
def test_a_mixed_load_gets_no_errors_and_memory_stays_flat(
    tmp_path: Path, figures: Figures
) -> None:
    if os.environ.get("TOWNHALL_TEST_DATABASE_URL"):
        pytest.skip("the soak runs once per CI run, in the SQLite pass")
    data_dir = tmp_path / "data"
    _townhall(data_dir, "users", "create", "mod@example.org", "--moderator")
    env = {
        "TOWNHALL_DATABASE_URL": "",
        "TOWNHALL_LOG_LEVEL": "warning",
        # Cached pages expire within the warm-up, so the page cache is full before the
        # memory is measured; what grows after that is growth the cache does not bound.
        "TOWNHALL_CACHE_TTL_SECONDS": "5",
    }
    server = TownhallServer(data_dir, free_port(), env, serve_args=())
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        moderator = _token(
            server.url, "/api/v1/auth/signin", {"email": "mod@example.org", "password": PASSWORD}
        )
        readers = [
            _token(
                server.url,
                "/api/v1/auth/signup",
                {"email": f"soak{n}@example.org", "password": PASSWORD, "name": f"Soak {n}"},
            )
            for n in range(3)
        ]
        started = time.monotonic()
        soak = Soak(server.url, started + SECONDS)
        actors: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
            *[(soak.writer, (token,)) for token in readers],
            *[(soak.reader, ()) for _ in range(3)],
            *[(soak.listener, ()) for _ in range(6)],
            (soak.moderator, (moderator,)),
        ]
        threads = [threading.Thread(target=f, args=a) for f, a in actors]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        rss_start = rss_kib(pid)
        rss_peak = rss_start
        while soak.running():
            time.sleep(1)
            rss_peak = max(rss_peak, rss_kib(pid))
        rss_end = rss_kib(pid)
        for thread in threads:
            thread.join(timeout=60)
        assert server.process.poll() is None, "the server died"
    finally:
        server.stop()

    growth = (rss_end - rss_start) / rss_start
    total = sum(soak.requests.values())
    figures(
        f"soak: {SECONDS:.0f} s, {total} requests ({dict(sorted(soak.requests.items()))}),"
        f" {soak.events} live events, errors {len(soak.errors)}"
    )
    figures(
        f"soak memory: RSS {rss_start / 1024:.1f} MiB after {WARM_UP:.0f} s warm-up,"
        f" {rss_end / 1024:.1f} MiB at the end ({growth:+.1%}; peak {rss_peak / 1024:.1f} MiB)"
    )
    assert soak.errors == [], soak.errors[:10]
    assert soak.requests["post"] > 0 and soak.requests["decide"] > 0
    assert soak.requests["events"] > 0 and soak.events > 0
    assert growth < MAX_GROWTH, f"resident memory grew {growth:.1%} after the warm-up"
