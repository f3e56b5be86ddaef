"""An acknowledged comment survives a crash: 10,000 comments posted over HTTP, the server
killed with SIGKILL while writes are still arriving, restarted, and every comment that got a
201 is there, in a database that passes its integrity check."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.server import TownhallServer, free_port

TARGET = 10_000
WORKERS = 4


@pytest.mark.slow
def test_ten_thousand_acknowledged_comments_survive_sigkill(tmp_path: Path) -> None:
    server = TownhallServer(tmp_path / "data", free_port(), {}, serve_args=())
    server.start()
    try:
        origin = server.url
        signup = httpx.post(
            f"{server.url}/api/v1/auth/signup",
            json={"email": "load@example.org", "password": "correct horse", "name": "Load"},
            headers={"Origin": origin},
        )
        token = signup.json()["token"]
        headers = {"Authorization": f"Bearer {token}", "Origin": origin}
        acknowledged: list[int] = []
        lock = threading.Lock()
        enough = threading.Event()

        def writer(worker: int) -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
                n = 0
                while True:
                    n += 1
                    try:
                        response = client.post(
                            "/api/v1/comments",
                            json={"thread": f"load-{worker % 2}", "body": f"w{worker} n{n}"},
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code != 201:
                        continue
                    with lock:
                        acknowledged.append(response.json()["id"])
                        if len(acknowledged) >= TARGET:
                            enough.set()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WORKERS)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=300), f"only {len(acknowledged)} comments in 300 s"
        server.kill()  # the other writers are mid-request
        for thread in threads:
            thread.join(timeout=30)

        database = tmp_path / "data" / "townhall.db"
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        server.start()
        stored: set[int] = set()
        with sqlite3.connect(database) as conn:
            stored = {row[0] for row in conn.execute("SELECT id FROM comments")}
        missing = set(acknowledged) - stored
        assert len(acknowledged) >= TARGET
        assert not missing, f"{len(missing)} acknowledged comments lost"
        # And the server reads them back after the restart.
        counts = httpx.get(
            f"{server.url}/api/v1/counts", params=[("thread", "load-0"), ("thread", "load-1")]
        ).json()["counts"]
        assert sum(counts.values()) == len(stored)
    finally:
        server.stop()
