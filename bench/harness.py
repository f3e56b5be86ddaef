"""bench/run: Townhall against Isso and a static nginx, side by side, on loopback.

Seeds the same threads into Townhall and Isso through their HTTP APIs, measures them with wrk,
writes its "http" section of docs/benchmarks.md (bench/sections.py) and prints the table; the
last line of output carries the ratios.
See bench/README.md. Standard library only; it runs under Townhall's interpreter.
"""

# ruff: noqa: S603 (the harness runs the programs it benchmarks)

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import procs
import report
import sections
import seed
from procs import Started
from systems import REPO, Isso, Nginx, Townhall, ensure_isso, ensure_tools, package_version

HERE = Path(__file__).resolve().parent
LUA = HERE / "load.lua"
SEED = 20261125


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path, started: Started) -> None:
        self.args = args
        self.work = work
        self.started = started
        self.t0 = time.monotonic()
        self.runs: list[dict[str, Any]] = []
        self.facts: dict[str, Any] = {
            "seeds": {},
            "bodies": {},
            "memory": {},
            "stored": {},
            "counts_check": {},
            "settled": {},
        }

    # ------------------------------------------------------------ time and output

    def left(self) -> float:
        return self.args.budget - (time.monotonic() - self.t0)

    def say(self, message: str) -> None:
        print(f"[bench {time.monotonic() - self.t0:5.0f}s] {message}", flush=True)

    # ------------------------------------------------------------ one wrk run

    def wrk(
        self,
        key: str,
        label: str,
        server: str,
        url: str,
        *,
        mode: str = "get",
        env: dict[str, str] | None = None,
        connections: int | None = None,
        timeout: int = 30,
        warm: Any = None,
        stored: Any = None,
    ) -> dict[str, Any]:
        """One measurement. With WARM (the server's process), a short unrecorded run first,
        then a wait until the server is idle: a worker's first post loads the moderation
        models, which is start-up cost, not the steady state this measures."""
        seconds = self.args.seconds
        connections = connections or self.args.connections
        run: dict[str, Any] = {
            "key": key,
            "label": label,
            "server": server,
            "connections": connections,
            "seconds": seconds,
        }
        self.runs.append(run)
        if self.left() < seconds + 25:
            run["skipped"] = "time budget"
            self.say(f"skipping {key}: {self.left():.0f} s left")
            return run
        if warm is not None:
            warm_dir = self.work / f"warm-{key}"
            warm_dir.mkdir()
            warm_seconds = 2 if self.args.quick else 5
            warm_env = dict(
                os.environ,
                BENCH_MODE=mode,
                BENCH_SUMMARY=str(warm_dir / "sum.json"),
                BENCH_IDS_DIR=str(warm_dir),
                **(env or {}),
            )
            argv = [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{warm_seconds}s",
                "--timeout",
                f"{timeout}s",
                "-s",
                str(LUA),
                url,
            ]
            self.say(f"{key}: warming up for {warm_seconds} s")
            proc = self.started.start(argv, log=self.work / f"wrk-warm-{key}.txt", env=warm_env)
            try:
                proc.wait(warm_seconds + timeout + 30)
            except subprocess.TimeoutExpired:
                pass
            self.started.stop(proc)
            self.settle(warm, f"warm-{key}")
        if stored is not None:  # what the database holds before the measured run
            run["before_ids"] = stored()
        ids_dir = self.work / f"ids-{key}"
        ids_dir.mkdir()
        summary = self.work / f"wrk-{key}.json"
        wrk_env = dict(
            os.environ,
            BENCH_MODE=mode,
            BENCH_SUMMARY=str(summary),
            BENCH_IDS_DIR=str(ids_dir),
            **(env or {}),
        )
        argv = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            f"{timeout}s",
            "-s",
            str(LUA),
            url,
        ]
        self.say(f"{key}: {label} ({server}, {connections} connections, {seconds} s)")
        proc = self.started.start(argv, log=self.work / f"wrk-{key}.txt", env=wrk_env)
        try:
            proc.wait(seconds + timeout + 30)
        except subprocess.TimeoutExpired:
            self.say(f"wrk for {key} overran; stopping it")
        self.started.stop(proc)
        try:
            result = json.loads(summary.read_text())
        except (OSError, ValueError):
            run["skipped"] = "wrk gave no summary (see its log in the work folder)"
            return run
        duration = result["duration_us"] / 1e6
        ok = result["requests"] - result["non_2xx"]
        run.update(
            rps=ok / duration,
            p50=result["p50_us"] / 1000 if result["requests"] else None,
            p99=result["p99_us"] / 1000 if result["requests"] else None,
            responses=result["requests"],
            non2xx=result["non_2xx"],
            errors=result["connect"] + result["read"] + result["write"],
            timeouts=result["timeout"],
            bytes_per_response=result["bytes"] / result["requests"] if result["requests"] else 0,
        )
        if mode in ("post-townhall", "post-isso"):
            run["acked"] = result["acked"]
            run["rps"] = result["acked"] / duration  # accepted comments per second
            run["acked_ids"] = [
                int(x) for f in sorted(ids_dir.glob("ids-*.txt")) for x in f.read_text().split()
            ]
        return run

    def settle(self, proc: Any, what: str) -> None:
        waited = procs.settle(proc.pid, limit=30)
        self.facts["settled"][what] = round(waited, 1)

    # ------------------------------------------------------------ Townhall

    # Each server is a generator that pauses between its measurements, so main() can run the
    # same measurement on every server back to back: a change in the machine's load then hits
    # all of them alike, not whichever happens to run last.
    # Steps: setup | read20 | read1000 | counts | post, each ended by a yield.

    def townhall(self) -> Iterator[None]:
        th = Townhall(self.work, self.args.python, self.args.workers)
        label = f"Townhall, granian {self.args.workers} worker{'s' * (self.args.workers > 1)}"
        self.say(f"starting {label} on port {th.port}")
        proc = th.start(self.started)
        time.sleep(1)
        self.facts["memory"]["Townhall idle"] = procs.memory(proc.pid)
        seeder = seed.TownhallSeeder(th.port)
        self.seed_all("Townhall", seeder)
        client = seed.Client(th.port)
        for key in ("t20", "t1000"):
            status, body = client.request("GET", th.thread_path(key))
            assert status == 200, (status, body[:200])  # noqa: S101
            (self.work / "static").mkdir(exist_ok=True)
            (self.work / "static" / f"{key}.json").write_bytes(body)
            self.facts["bodies"][f"Townhall {key}"] = report.townhall_shape(body)
        keys = list(seed.count_articles(SEED))
        status, answer = client.json("GET", th.counts_path(keys))
        self.facts["counts_check"]["Townhall"] = self.check_counts(answer["counts"])
        client.close()
        base = f"http://127.0.0.1:{th.port}"
        yield
        for key, path in (("t20", th.thread_path("t20")), ("t1000", th.thread_path("t1000"))):
            self.wrk(f"th_read{key[1:]}", f"read {key[1:]}-comment thread", label, base + path)
            self.settle(proc, f"th_read{key[1:]}")
            if key == "t20":
                yield
        self.wrk(
            "th_read20_256",
            "read 20-comment thread, 256 connections",
            label,
            base + th.thread_path("t20"),
            connections=256,
            timeout=2,
        )
        self.settle(proc, "th_read20_256")
        yield
        self.wrk("th_counts", "counts of 50 articles", label, base + th.counts_path(keys))
        self.settle(proc, "th_counts")
        yield
        post_env = {
            "BENCH_TOKENS": ",".join(seeder.tokens),
            "BENCH_WORDS": " ".join(seed.VOCABULARY),
            "BENCH_ORIGIN": th.origin,
            "BENCH_THREAD": "tpost",
        }
        run = self.wrk(
            "th_post",
            "post a comment",
            label,
            base + "/api/v1/comments",
            mode="post-townhall",
            env=post_env,
            warm=proc,
            stored=lambda: th.stored_ids("tpost"),
        )
        self.settle(proc, "th_post")
        self.facts["memory"]["Townhall after"] = procs.memory(proc.pid)
        if self.args.profile:
            self.profile(proc, base + th.thread_path("t20"))
        self.started.stop(proc)
        if "acked_ids" in run:
            self.facts["stored"]["Townhall"] = report.stored_check(
                th.stored_ids("tpost") - run.pop("before_ids"), run.pop("acked_ids")
            )

    def seed_all(self, name: str, seeder: Any) -> None:
        deadline = time.monotonic() + min(240, max(30, self.left() - 120))
        self.say(f"seeding {name} through its HTTP API")
        self.facts["seeds"][f"{name} t20"] = seeder.post(
            "t20", seed.thread_plan(20, SEED), deadline
        )
        self.facts["seeds"][f"{name} t1000"] = seeder.post(
            "t1000", seed.thread_plan(1000, SEED + 1), deadline
        )
        for key, plan in seed.count_articles(SEED).items():
            if plan:
                seeder.post(key, plan, deadline)
        # One comment in the thread the post run writes to, so that run measures the steady
        # state and not the creation of a thread.
        seeder.post("tpost", seed.thread_plan(1, SEED + 2), deadline)
        seeder.client.close()
        self.say(f"seeded {name}: {self.facts['seeds'][f'{name} t1000']}")

    def check_counts(self, answer: Any) -> str:
        """Every key answered, no count above what was posted; Townhall does not count
        comments its moderation holds."""
        planned = {key: len(plan) for key, plan in seed.count_articles(SEED).items()}
        got = list(answer.values()) if isinstance(answer, dict) else list(answer)
        if len(got) != len(planned) or any(
            g > p for g, p in zip(got, planned.values(), strict=True)
        ):
            return f"WRONG: posted {list(planned.values())}, counted {got}"
        return f"{sum(got)} of the {sum(planned.values())} comments posted are counted"

    def profile(self, proc: Any, url: str) -> None:
        """py-spy on one Townhall worker while wrk reads the 20-comment thread."""
        spy = shutil.which("py-spy") or str(Path(self.args.python).parent / "py-spy")
        if not Path(spy).exists():
            self.say("--profile needs py-spy (pip install py-spy); skipped")
            return
        worker = procs.workers(proc.pid)[0]
        out = HERE / ".work" / "profile-read20.txt"  # ignored by git
        seconds = max(self.args.seconds, 5)
        argv = ["wrk", "-t2", f"-c{self.args.connections}", f"-d{seconds + 2}s", url]
        load = self.started.start(argv, log=self.work / "wrk-profile.txt")
        time.sleep(1)
        raw = self.work / "profile.txt"
        spy_proc = self.started.start(
            [
                spy,
                "record",
                "--pid",
                str(worker),
                "--duration",
                str(seconds),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
                "--gil",  # only samples that hold the GIL: where the CPU goes, not idle threads
            ],
            log=self.work / "py-spy.log",
        )
        try:
            spy_proc.wait(seconds + 30)
        except subprocess.TimeoutExpired:
            pass
        self.started.stop(spy_proc)
        self.started.stop(load)
        if raw.exists():
            out.parent.mkdir(exist_ok=True)
            out.write_text(report.profile_summary(raw.read_text()))
            self.say(f"profile of one worker written to {out}")

    # ------------------------------------------------------------ nginx

    def nginx(self) -> Iterator[None]:
        ng = Nginx(self.work)
        proc = ng.start(self.started)
        base = f"http://127.0.0.1:{ng.port}"
        client = seed.Client(ng.port)
        for key in ("t20", "t1000"):
            status, body = client.request("GET", f"/{key}.json")
            expected = (self.work / "static" / f"{key}.json").read_bytes()
            if status != 200 or body != expected:
                raise RuntimeError(f"nginx does not serve Townhall's {key} body byte for byte")
        client.close()
        yield
        self.wrk(
            "nginx_read20",
            "read 20-comment thread",
            "nginx, Townhall's bytes as a file",
            base + "/t20.json",
        )
        yield
        self.wrk(
            "nginx_read1000",
            "read 1000-comment thread",
            "nginx, Townhall's bytes as a file",
            base + "/t1000.json",
        )
        self.facts["memory"]["nginx after"] = procs.memory(proc.pid)
        self.started.stop(proc)

    # ------------------------------------------------------------ Isso

    def isso(self, venv: Path) -> Iterator[None]:
        isso = Isso(self.work, venv, self.args.workers)
        label = f"Isso, gunicorn {self.args.workers} worker{'s' * (self.args.workers > 1)}"
        self.say(f"starting {label} on port {isso.port}")
        proc = isso.start(self.started)
        time.sleep(1)
        self.facts["memory"]["Isso idle"] = procs.memory(proc.pid)
        self.seed_all("Isso", seed.IssoSeeder(isso.port))
        client = seed.Client(isso.port, timeout=60)
        for key in ("t20", "t1000"):
            status, body = client.request("GET", isso.thread_path(key))
            assert status == 200, (status, body[:200])  # noqa: S101
            self.facts["bodies"][f"Isso {key}"] = report.isso_shape(body)
        keys = list(seed.count_articles(SEED))
        status, answer = client.json("POST", "/count", [f"/{key}" for key in keys])
        self.facts["counts_check"]["Isso"] = self.check_counts(answer)
        client.close()
        self.started.stop(proc)
        body_file = self.work / "isso-count-body.json"
        body_file.write_text(json.dumps([f"/{key}" for key in keys]))
        base = f"http://127.0.0.1:{isso.port}"
        yield
        after: list[dict[str, Any]] = []
        # A fresh server per run: gunicorn's sync workers go on answering the requests wrk
        # abandoned in the listen queue (for a minute after a 1,000-comment run), which would
        # land in the next run.
        plan: list[tuple[str, str, str, str, dict[str, str]]] = [
            ("isso_read20", "read 20-comment thread", base + isso.thread_path("t20"), "get", {}),
            (
                "isso_read1000",
                "read 1000-comment thread",
                base + isso.thread_path("t1000"),
                "get",
                {},
            ),
            (
                "isso_counts",
                "counts of 50 articles",
                base + "/count",
                "post-json",
                {"BENCH_BODY_FILE": str(body_file)},
            ),
            (
                "isso_post",
                "post a comment",
                base + "/",
                "post-isso",
                {"BENCH_THREAD": "tpost", "BENCH_WORDS": " ".join(seed.VOCABULARY)},
            ),
        ]
        for step, (key, label_run, url, mode, env) in enumerate(plan):
            if step:
                yield
            if self.left() < self.args.seconds + 35:
                self.runs.append(
                    {"key": key, "label": label_run, "server": label, "skipped": "time budget"}
                )
                continue
            proc = isso.start(self.started)
            posting = mode == "post-isso"
            run = self.wrk(
                key,
                label_run,
                label,
                url,
                mode=mode,
                env=env,
                warm=proc if posting else None,
                stored=(lambda: isso.stored_ids("tpost")) if posting else None,
            )
            after.append(procs.memory(proc.pid))
            self.started.stop(proc)  # graceful: what is in progress finishes
            if "acked_ids" in run:
                self.facts["stored"]["Isso"] = report.stored_check(
                    isso.stored_ids("tpost") - run.pop("before_ids"), run.pop("acked_ids")
                )
        if after:
            self.facts["memory"]["Isso after"] = max(after, key=lambda m: max(m["workers"] or [0]))  # type: ignore[arg-type]


def environment(args: argparse.Namespace, isso_venv: Path | None) -> dict[str, str]:
    def run(argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "-"
        return (
            (done.stdout + done.stderr).strip().splitlines()[0]
            if (done.stdout + done.stderr).strip()
            else "-"
        )

    cpu = "-"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    python = args.python
    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1048576:.1f} GiB",
        "kernel": platform.release(),
        "load at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "townhall": package_version(python, "townhall"),
        "townhall commit": run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "python (Townhall)": run(
            [python, "-c", "import platform; print(platform.python_version())"]
        ),
        "granian": package_version(python, "granian"),  # townhall serve's server (#7)
        "uvloop": package_version(python, "uvloop"),
        "sqlite": sqlite3.sqlite_version,
        "wrk": run(["wrk", "-v"]).split(" [")[0],
        "nginx": run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"]).split("/")[-1],
    }
    if isso_venv is not None:
        facts["isso"] = package_version(isso_venv / "bin" / "python", "isso")
        facts["gunicorn"] = package_version(isso_venv / "bin" / "python", "gunicorn")
    return facts


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 s per measurement")
    parser.add_argument("--seconds", type=int, help="seconds per measurement (default 20)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="workers per Python server")
    parser.add_argument(
        "--budget",
        type=int,
        default=660,
        help="seconds for the whole run; measurements that no longer fit are skipped",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-isso", action="store_true", help="Townhall and nginx only")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy one Townhall worker reading the 20-comment thread",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs Townhall")
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 3 if args.quick else 20
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    started = Started()

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    work = Path(tempfile.mkdtemp(prefix="townhall-bench-"))
    bench = Bench(args, work, started)
    ok = False
    try:
        bench.say(f"work folder {work}")
        ensure_tools(work / "install.log", timeout=min(300, bench.left() - 200))
        venv = None if args.no_isso else ensure_isso(work / "install.log", timeout=300)
        env = environment(args, venv)
        servers = [bench.townhall(), bench.nginx()]
        if venv is not None:
            servers.append(bench.isso(venv))
        for _step in ("setup", "read20", "read1000", "counts", "post"):
            for server in servers:
                next(server, None)
        env["elapsed"] = f"{time.monotonic() - bench.t0:.0f} s"
        text, table, last = report.render(env, bench.runs, bench.facts, args)
        sections.replace_section(args.out, "http", text)
        print()
        print(table)
        print()
        print(f"written to {args.out}")
        print(last)
        ok = True
        return 0
    finally:
        started.stop_all()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif not ok:
            print(f"work folder kept for inspection: {work}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
