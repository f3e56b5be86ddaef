"""`townhall serve --workers N` without Redis says at start what the workers do not share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.server import free_port


def test_several_workers_without_redis_are_warned_about_at_start(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TOWNHALL_DATA_DIR": str(tmp_path),
        "TOWNHALL_DATABASE_URL": "",
        "TOWNHALL_REDIS_URL": "",
        "TOWNHALL_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "townhall", "serve", "--workers", "2"]
    command += ["--host", "127.0.0.1", "--port", str(free_port())]
    process = subprocess.Popen(  # noqa: S603 (our own server)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # printed before uvicorn starts any worker
    finally:
        os.kill(process.pid, signal.SIGTERM)  # the master stops its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
    assert first.startswith("warning: 2 workers and no TOWNHALL_REDIS_URL")
    assert "TOWNHALL_REDIS_URL (docs/deployment.md)" in first
