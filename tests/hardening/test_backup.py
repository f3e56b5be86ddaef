"""`townhall backup` while the server takes posts, `townhall restore` into a fresh data
directory: the restored database passes its integrity check and holds every comment that
was acknowledged before the backup started, with its text (#8). On PostgreSQL the same
commands run pg_dump and pg_restore between two fresh databases."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.figures import Figures
from tests.support.server import TownhallServer, free_port

POSTERS = 8
BEFORE = 100  # comments acknowledged before the backup starts


def townhall(data_dir: Path, *args: str, url: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TOWNHALL_DATA_DIR": str(data_dir),
        "TOWNHALL_DATABASE_URL": url,
        "TOWNHALL_NEW_PASSWORD": "correct horse battery",
    }
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "townhall", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class Posters:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.acknowledged: dict[int, str] = {}
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._post, args=(p,)) for p in range(POSTERS)]

    def _post(self, poster: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Origin": self.url}
        with httpx.Client(base_url=self.url, headers=headers, timeout=60) as client:
            while not self.stop.is_set():
                body = f"{uuid.uuid4().hex} written by poster {poster}"
                response = client.post(
                    "/api/v1/comments", json={"thread": f"backup-{poster % 2}", "body": body}
                )
                with self.lock:
                    if response.status_code == 201:
                        self.acknowledged[response.json()["id"]] = body
                    else:
                        self.failures.append(f"{response.status_code} {response.text}")

    def snapshot(self) -> dict[int, str]:
        with self.lock:
            return dict(self.acknowledged)


@pytest.mark.slow
def test_a_backup_taken_under_write_load_restores_every_acknowledged_comment(
    tmp_path: Path, figures: Figures
) -> None:
    if os.environ.get("TOWNHALL_TEST_DATABASE_URL"):
        pytest.skip("the SQLite round trip; the PostgreSQL one is the test below")
    live, fresh, file = tmp_path / "live", tmp_path / "fresh", tmp_path / "backup.db"
    server = TownhallServer(live, free_port(), {"TOWNHALL_DATABASE_URL": ""}, serve_args=())
    server.start()
    try:
        signup = httpx.post(
            f"{server.url}/api/v1/auth/signup",
            json={"email": "poster@example.org", "password": "correct horse", "name": "Poster"},
            headers={"Origin": server.url},
            timeout=60,
        )
        posters = Posters(server.url, signup.json()["token"])
        for thread in posters.threads:
            thread.start()
        try:
            while len(posters.snapshot()) < BEFORE and not posters.failures:
                posters.stop.wait(0.2)
            before = posters.snapshot()
            backed_up = townhall(live, "backup", str(file))
            during = len(posters.snapshot()) - len(before)
        finally:
            posters.stop.set()
            for thread in posters.threads:
                thread.join(timeout=60)
    finally:
        server.stop()

    assert posters.failures == []
    assert backed_up.returncode == 0, backed_up.stderr
    assert backed_up.stdout.startswith("Backed up ")
    assert during > 0, "no post was acknowledged while the backup ran; it proves nothing"

    restored = townhall(fresh, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(fresh / "townhall.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = dict(conn.execute("SELECT id, body FROM comments").fetchall())
    missing = [i for i, body in before.items() if stored.get(i) != body]
    figures(
        f"backup round trip: {len(before)} comments acknowledged before the backup,"
        f" {during} more during it, {len(stored)} restored, missing {len(missing)}"
    )
    assert missing == []

    # A restore never overwrites a database that holds comments unless told to.
    again = townhall(fresh, "restore", str(file))
    assert again.returncode == 2
    assert "already holds data" in again.stderr and "--force" in again.stderr
    assert townhall(fresh, "restore", "--force", str(file)).returncode == 0


def test_a_postgresql_backup_restores_into_an_empty_database(tmp_path: Path) -> None:
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs TOWNHALL_TEST_DATABASE_URL (PostgreSQL)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("needs the PostgreSQL client tools (pg_dump, pg_restore) on PATH")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"bk_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = [make_url(base).set(database=name).render_as_string(False) for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        source, target = urls
        file = tmp_path / "townhall.dump"
        assert townhall(tmp_path, "migrate", url=source).returncode == 0
        created = townhall(tmp_path, "users", "create", "kept@example.org", url=source)
        assert created.returncode == 0, created.stderr
        backed_up = townhall(tmp_path, "backup", str(file), url=source)
        assert backed_up.returncode == 0, backed_up.stderr

        restored = townhall(tmp_path, "restore", str(file), url=target)
        assert restored.returncode == 0, restored.stderr
        engine = create_engine(target)
        try:
            with engine.connect() as conn:
                emails = conn.execute(text("SELECT email FROM users")).scalars().all()
        finally:
            engine.dispose()
        assert emails == ["kept@example.org"]
        again = townhall(tmp_path, "restore", str(file), url=target)
        assert again.returncode == 2
        assert "already has Townhall tables" in again.stderr
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
