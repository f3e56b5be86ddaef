"""The three servers under test: how each is installed, started, seeded, asked and counted."""

# ruff: noqa: S603 (the harness runs the programs it benchmarks)

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from procs import Started, free_port, wait_http

REPO = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "townhall-bench"


def _root_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo", "-n"]
    raise RuntimeError("wrk or nginx is missing and installing them needs root (or sudo)")


def apt_install(packages: list[str], log: Path, timeout: float) -> None:
    """Debian packages, with their services kept from starting (no system nginx on :80)."""
    prefix = _root_prefix()
    policy = Path("/usr/sbin/policy-rc.d")
    created = False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log, "ab") as out:
        try:
            if not policy.exists():
                subprocess.run(
                    [
                        *prefix,
                        "sh",
                        "-c",
                        f"printf '#!/bin/sh\\nexit 101\\n' > {policy} && chmod 755 {policy}",
                    ],
                    check=True,
                    stdout=out,
                    stderr=out,
                    timeout=30,
                )
                created = True
            subprocess.run(
                [*prefix, "apt-get", "update", "-qq"],
                check=True,
                stdout=out,
                stderr=out,
                env=env,
                timeout=timeout,
            )
            subprocess.run(
                [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                check=True,
                stdout=out,
                stderr=out,
                env=env,
                timeout=timeout,
            )
        finally:
            if created:
                subprocess.run([*prefix, "rm", "-f", str(policy)], check=False, timeout=30)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


def ensure_tools(log: Path, timeout: float) -> None:
    missing = [
        name
        for name, found in (("wrk", shutil.which("wrk")), ("nginx", nginx_binary()))
        if not found
    ]
    if missing:
        print(f"installing {' '.join(missing)} from Debian's packages", flush=True)
        apt_install(missing, log, timeout)


def ensure_isso(log: Path, timeout: float) -> Path:
    """Isso and gunicorn from PyPI in a virtual environment of their own, outside the
    repository; kept between runs (delete the folder to get the newest release)."""
    venv = cache_dir() / "isso-venv"
    python = venv / "bin" / "python"
    if python.exists() and (venv / "bin" / "gunicorn").exists():
        ok = subprocess.run([str(python), "-c", "import isso"], capture_output=True, timeout=60)
        if ok.returncode == 0:
            return venv
    print(f"installing isso and gunicorn from PyPI into {venv}", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            check=True,
            stdout=out,
            stderr=out,
            timeout=120,
        )
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "isso",
                "gunicorn",
            ],
            check=True,
            stdout=out,
            stderr=out,
            timeout=timeout,
        )
    return venv


def package_version(python: Path | str, name: str) -> str:
    code = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
    done = subprocess.run(
        [str(python), "-c", code, name], capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() or "-"


# ---------------------------------------------------------------- Townhall


class Townhall:
    name = "Townhall"

    def __init__(
        self,
        work: Path,
        python: str,
        workers: int,
        *,
        name: str = "townhall",
        settings: dict[str, str] | None = None,
    ) -> None:
        """NAME keeps several nodes' data and logs apart (bench/scaleout.py); SETTINGS are
        TOWNHALL_* variables on top of the benchmark's own (a PostgreSQL URL, Redis)."""
        self.data = work / f"{name}-data"
        self.python = python
        self.workers = workers
        self.settings = settings or {}
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = work / f"{name}.log"

    def start(self, started: Started) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.update(
            TOWNHALL_DATA_DIR=str(self.data),
            TOWNHALL_DATABASE_URL="",
            TOWNHALL_RATE_LIMITS_ENABLED="false",
            TOWNHALL_LOG_LEVEL="warning",
            TOWNHALL_PUBLIC_URL="",
            TOWNHALL_SITE_ORIGINS="",
            TOWNHALL_DEMO="false",
            # The moderation pipeline stays on, with its defaults, except that the benchmark's
            # readers count as established accounts: 24 accounts made a second ago all writing
            # under one story is, by design, a burst the pipeline holds for review.
            TOWNHALL_MODERATION_NEW_ACCOUNT_HOURS="0",
        )
        env.update(self.settings)
        env.pop("TOWNHALL_CONFIG", None)
        # Migrate first: two workers starting on an empty database both run the migrations.
        subprocess.run(
            [self.python, "-m", "townhall", "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        argv = [
            self.python,
            "-m",
            "townhall",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        proc = started.start(argv, log=self.log, env=env)
        wait_http(f"{self.origin}/api/v1/counts?thread=probe", proc, 90)
        return proc

    def thread_path(self, key: str) -> str:
        return f"/api/v1/comments?thread={key}"

    def counts_path(self, keys: list[str]) -> str:
        return "/api/v1/counts?" + "&".join(f"thread={key}" for key in keys)

    def stored_ids(self, key: str) -> set[int]:
        return _ids(
            self.data / "townhall.db",
            "SELECT c.id FROM comments c JOIN threads t ON t.id = c.thread_id WHERE t.key = ?",
            key,
        )


# ---------------------------------------------------------------- Isso


class Isso:
    name = "Isso"

    def __init__(self, work: Path, venv: Path, workers: int) -> None:
        self.venv = venv
        self.workers = workers
        self.port = free_port()
        self.db = work / "isso-comments.db"
        self.config = work / "isso.cfg"
        self.log = work / "isso.log"
        # Moderation and the rate-limiting guard off, as for Townhall's rate limits.
        self.config.write_text(
            f"[general]\ndbpath = {self.db}\nhost = http://127.0.0.1:{self.port}\n"
            "[moderation]\nenabled = false\n[guard]\nenabled = false\n"
        )

    def start(self, started: Started) -> subprocess.Popen[bytes]:
        # As Isso's documentation runs it: gunicorn, sync workers, --preload isso.run.
        env = dict(os.environ, ISSO_SETTINGS=str(self.config))
        argv = [
            str(self.venv / "bin" / "gunicorn"),
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(self.workers),
            "--preload",
            "--graceful-timeout",
            "3",
            "isso.run",
        ]
        proc = started.start(argv, log=self.log, env=env)
        wait_http(f"http://127.0.0.1:{self.port}/config", proc, 60)
        return proc

    def thread_path(self, key: str) -> str:
        return f"/?uri=/{key}"

    def stored_ids(self, key: str) -> set[int]:
        return _ids(
            self.db,
            "SELECT c.id FROM comments c JOIN threads t ON t.id = c.tid WHERE t.uri = ?",
            f"/{key}",
        )


def _ids(db: Path, sql: str, key: str) -> set[int]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return {row[0] for row in con.execute(sql, (key,))}
    finally:
        con.close()


# ---------------------------------------------------------------- nginx


class Nginx:
    name = "nginx"

    def __init__(self, work: Path) -> None:
        self.root = work / "static"
        self.root.mkdir(exist_ok=True)
        self.port = free_port()
        self.conf = work / "nginx.conf"
        self.log = work / "nginx.log"
        # Its workers run unprivileged when we are root: they must be able to read ROOT.
        for folder in (work, self.root):
            folder.chmod(0o755)
        self.conf.write_text(
            "worker_processes 2;\n"
            f"pid {work}/nginx.pid;\n"
            f"error_log {work}/nginx-error.log warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n"
            "  access_log off;\n"
            "  sendfile on; tcp_nopush on; tcp_nodelay on;\n"
            "  keepalive_requests 1000000;\n"
            "  open_file_cache max=64;\n"
            "  default_type application/json;\n"
            f"  server {{ listen 127.0.0.1:{self.port}; root {self.root}; }}\n"
            "}\n"
        )

    def start(self, started: Started) -> subprocess.Popen[bytes]:
        binary = nginx_binary()
        assert binary is not None  # noqa: S101 (ensure_tools ran)
        argv = [binary, "-e", str(self.log), "-c", str(self.conf), "-g", "daemon off;"]
        proc = started.start(argv, log=self.log)
        wait_http(f"http://127.0.0.1:{self.port}/", proc, 30)
        return proc
