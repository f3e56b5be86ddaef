"""Processes the harness starts: each is recorded, and stopped by its PID (and its children's
PIDs, read from /proc) whatever way the harness ends. Also resident memory and CPU from /proc."""

# ruff: noqa: S603 (the harness runs the programs it benchmarks)

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


class Started:
    """Every process this run started, newest last; stop_all() runs on any exit."""

    def __init__(self) -> None:
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(
        self, argv: list[str], *, log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            # A session of its own: a Ctrl-C in the terminal reaches the harness only, which
            # then stops each process itself, in order, by PID.
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self.procs[proc.pid] = proc
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM, up to GRACE seconds to finish, then SIGKILL; children likewise by PID."""
        family = descendants(proc.pid)
        if proc.poll() is None:
            _signal(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal(proc.pid, signal.SIGKILL)
                proc.wait(5)
        deadline = time.monotonic() + grace
        for pid in family:  # workers normally leave with their master; make sure
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                _signal(pid, signal.SIGKILL)
        self.procs.pop(proc.pid, None)

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs.values())):
            try:
                self.stop(proc, grace=5.0)
            except Exception as exc:  # keep stopping the others
                print(f"could not stop {proc.pid}: {exc}", flush=True)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _ppid_table() -> dict[int, int]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry)] = int(fields[1])
    return table


def descendants(pid: int) -> list[int]:
    table = _ppid_table()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in table.items() if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


def cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def pss_mb(pid: int) -> float | None:
    """Proportional memory: each shared page divided among the processes that map it. Forked
    workers share their parent's pages (townhall serve loads the app before forking), which
    RSS counts whole in each; PSS is what one more worker costs. None where the kernel has
    no smaps_rollup (before 4.14) or the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def workers(pid: int) -> list[int]:
    """The processes that serve requests: the children of a master (gunicorn, uvicorn
    --workers N), leaving out multiprocessing's helper; the process itself when alone."""
    kids = [p for p in descendants(pid) if "resource_tracker" not in cmdline(p)]
    return kids or [pid]


def memory(pid: int) -> dict[str, list[float] | float | None]:
    kids = workers(pid)
    return {
        "master": rss_mb(pid) if kids != [pid] else None,
        "workers": [m for m in (rss_mb(k) for k in kids) if m is not None],
        "master_pss": pss_mb(pid) if kids != [pid] else None,
        "workers_pss": [m for m in (pss_mb(k) for k in kids) if m is not None],
    }


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(pid: int, limit: float) -> float:
    """Wait until a server stops burning CPU (requests left in its queue by a finished load
    run), at most LIMIT seconds; returns the seconds waited."""
    started = time.monotonic()
    family = [pid, *descendants(pid)]
    before = cpu_seconds(family)
    while time.monotonic() - started < limit:
        time.sleep(0.5)
        now = cpu_seconds(family)
        if now - before < 0.05:
            break
        before = now
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, proc: subprocess.Popen[bytes], limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:  # it answers; a 404 on the probe path is fine
                return
            time.sleep(0.2)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {limit:.0f} s")
