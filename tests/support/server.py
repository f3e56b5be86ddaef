"""A real Townhall server in a subprocess, for tests that need one over the network
(browser stories, crash and multi-node tests). Stopped by PID, always."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Generous: the machine running CI may be busy, and start-up loads the moderation model.
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TownhallServer:
    """`python -m townhall serve --demo` on a fixed port and data directory; restartable."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        extra_env: dict[str, str],
        serve_args: tuple[str, ...] = ("--demo",),
    ) -> None:
        self.serve_args = serve_args
        self.data_dir = data_dir
        self.port = port
        self.extra_env = extra_env
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = data_dir.parent / f"server-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "TOWNHALL_DATA_DIR": str(self.data_dir),
            "TOWNHALL_RATE_LIMITS_ENABLED": "false",
            # Stories sign up many fresh accounts on one demo thread within minutes, which
            # is what the burst rule holds; tests of that rule pass their own value.
            "TOWNHALL_MODERATION_BURST_SIZE": "1000",
            # Cheap argon2id, as in-process tests use (tests/conftest.py FAST_PASSWORD_HASHES).
            "TOWNHALL_PASSWORD_HASH_TIME_COST": "1",
            "TOWNHALL_PASSWORD_HASH_MEMORY_KIB": "8192",
            **self.extra_env,
        }
        command = [sys.executable, "-m", "townhall", "serve", *self.serve_args]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            # Its own process group, so kill() reaches `--workers N` processes too.
            self.process = subprocess.Popen(  # noqa: S603 (our own server)
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"townhall exited with {self.process.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/auth/me", timeout=1)  # noqa: S310
            except urllib.error.HTTPError as error:
                if error.code == 401:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"townhall did not answer within {STARTUP_TIMEOUT} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL to the server and its workers: no shutdown handlers, no flush; what a
        crash or the OOM killer does."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
