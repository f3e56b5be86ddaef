"""bench/scaleout: two Townhall nodes on PostgreSQL + Redis, as behind a load balancer (#4).

Starts two `townhall serve` nodes on loopback, on a PostgreSQL database created for the run
(dropped at the end) and Redis under a key prefix of its own (deleted at the end); seeds the
20- and 1,000-comment threads of bench/run through node A's API; reads both threads with wrk
across both nodes; then connects 1,000 Server-Sent Events readers to the 1,000-comment
thread, half on each node, posts comments through node A and times how long each reader
takes to get the `new` event. Writes its own section ("scaleout") of docs/benchmarks.md
through bench/sections.py. See bench/README.md.
"""

# ruff: noqa: S603, S607 (the harness runs the programs it benchmarks, found on PATH)

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import procs
import sections
import seed
from fanout import GOAL_SECONDS, load_average, measure_fanout, percentile, raise_open_files
from harness import LUA, SEED
from procs import Started
from report import ms, rate
from systems import REPO, Townhall, apt_install, package_version

MARK = "scaleout"
GOAL_SHARE = 0.99


def say(t0: float, message: str) -> None:
    print(f"[scaleout {time.monotonic() - t0:5.0f}s] {message}", flush=True)


# ---------------------------------------------------------------- PostgreSQL and Redis


class Backing:
    """A PostgreSQL database and a Redis key prefix of this run's own, removed afterwards."""

    def __init__(self, postgres: str, redis_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        token = uuid.uuid4().hex[:10]
        self.name = f"townhall_scaleout_{token}"
        self.admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        self.database_url = make_url(postgres).set(database=self.name).render_as_string(False)
        self.redis_url = redis_url
        self.prefix = f"bench-scaleout-{token}"
        self.created = False

    def create(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.server_version = conn.execute(text("SHOW server_version")).scalar()
        self.created = True

    def drop(self) -> None:
        from sqlalchemy import text

        if self.created:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.created = False
        self.admin.dispose()
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            for key in client.scan_iter(match=f"{self.prefix}:*", count=1000):
                client.delete(key)
        finally:
            client.close()

    def redis_version(self) -> str:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            return str(client.info("server").get("redis_version", "-"))
        finally:
            client.close()


# ---------------------------------------------------------------- reads (wrk)


def wrk_read(
    started: Started, work: Path, key: str, nodes: list[Townhall], path: str, args: Any
) -> dict[str, Any]:
    """One wrk run of anonymous GETs, its two threads each on one node (BENCH_NODES)."""
    summary = work / f"wrk-{key}.json"
    env = dict(
        os.environ,
        BENCH_MODE="get",
        BENCH_SUMMARY=str(summary),
        BENCH_NODES=",".join(f"127.0.0.1:{n.port}" for n in nodes),
    )
    argv = [
        "wrk",
        f"-t{len(nodes)}",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{nodes[0].port}{path}",
    ]
    proc = started.start(argv, log=work / f"wrk-{key}.txt", env=env)
    try:
        proc.wait(args.seconds + 60)
    finally:
        started.stop(proc)
    result = json.loads(summary.read_text())
    duration = result["duration_us"] / 1e6
    answered = result["requests"]
    return {
        "rps": (answered - result["non_2xx"]) / duration,
        "p50": result["p50_us"] / 1000 if answered else None,
        "p99": result["p99_us"] / 1000 if answered else None,
        "responses": answered,
        "non2xx": result["non_2xx"],
        "errors": result["connect"] + result["read"] + result["write"],
        "timeouts": result["timeout"],
        "bytes": result["bytes"] / answered if answered else 0,
    }


# ---------------------------------------------------------------- the report


def render(facts: dict[str, Any], args: Any) -> str:
    reads = facts["reads"]
    fan = facts["fanout"]
    measured = [p for p in fan["posts"] if p["k"] > 0 and p["shown"]]
    everything = [d for p in measured for d in p["delays"]]
    expected = len(measured) * fan["readers"]
    within = sum(1 for d in everything if d <= GOAL_SECONDS) / expected if expected else 0.0
    worst = [p["all"] for p in measured]
    busiest = max(float(facts[k].split()[0]) for k in ("load at start", "load before live"))
    busy = (
        f" The machine was busy with other work (a load average up to {busiest:.1f} on "
        f"{facts['cores']} cores): these figures are what the nodes did with the share of "
        "the cores they got, well below what an otherwise idle machine gives."
        if busiest > (facts["cores"] or 1)
        else ""
    )
    lines = [
        "## Two nodes on PostgreSQL + Redis (issue #4)",
        "",
        f"Measured {facts['date']} by `bench/scaleout` ({facts['elapsed']} in all) on "
        f"{facts['cores']} cores; load average {facts['load at start']} at the start, "
        f"{facts['load before live']} before the live part. Two `townhall serve` nodes "
        f"({args.workers} worker{'s' * (args.workers > 1)} each) on PostgreSQL "
        f"{facts['postgres']} (a database made for the run) and Redis {facts['redis']} (a key "
        "prefix of the run's own), all on loopback and sharing the cores with wrk and the "
        f"readers.{busy} How to run it: [bench/README.md](../bench/README.md).",
        "",
        f"**Reads**: wrk, 2 threads, {args.connections} connections, {args.seconds} s, one "
        "thread per node (half the connections each), anonymous `GET /api/v1/comments?thread=…`"
        " (the first page, as the comment box loads it).",
        "",
        "| thread | req/s | p50 | p99 | responses | non-2xx | socket errors | timeouts "
        "| bytes/response |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("t20", "20 comments"), ("t1000", "1,000 comments")):
        r = reads[key]
        lines.append(
            f"| {label} | {rate(r['rps'])} | {ms(r['p50'])} | {ms(r['p99'])} | "
            f"{r['responses']:,} | {r['non2xx']:,} | {r['errors']:,} | {r['timeouts']:,} | "
            f"{r['bytes']:,.0f} |"
        )
    lines += [
        "",
        f"**Live fan-out**: {fan['readers']:,} readers of the 1,000-comment thread's event "
        f"stream (`/api/v1/threads/events`), half on each node, raw asyncio connections in one "
        f"process (connected in {fan['connect_seconds']:.1f} s). Each comment is posted through "
        "node A; the time is from sending the POST until a reader has the `new` event, so it "
        "includes the POST itself (its answer time is shown). One unmeasured post first warms "
        f"up; {len(measured)} measured posts, {args.gap:g} s apart.",
        "",
        "| post | POST answered | all readers | p50 | p99 | within 1 s | p99 on A | p99 on B |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in fan["posts"]:
        name = "warm-up" if p["k"] == 0 else str(p["k"])
        if not p["shown"]:
            lines.append(f"| {name} | {ms(p['answered_ms'])} | held by moderation | | | | | |")
            continue
        every = (
            ms(p["all"] * 1000)
            if p["all"] is not None
            else f"{p['received']:,} of {fan['readers']:,} in {args.wait:g} s"
        )
        lines.append(
            f"| {name} | {ms(p['answered_ms'])} | {every} | {ms(p['p50'] * 1000)} | "
            f"{ms(p['p99'] * 1000)} | {p['within']:.1%} | {ms(p['by_node']['A'] * 1000)} | "
            f"{ms(p['by_node']['B'] * 1000)} |"
        )
    p50 = percentile(everything, 0.5)
    p99 = percentile(everything, 0.99)
    slowest = max(worst) * 1000 if worst and None not in worst else None
    lines.append(
        f"| **all {len(measured)}** | | slowest {ms(slowest)} "
        f"| {ms(None if p50 is None else p50 * 1000)} "
        f"| {ms(None if p99 is None else p99 * 1000)} | **{within:.1%}** | | |"
    )
    met = within >= GOAL_SHARE and len(measured) == args.posts
    lines += [
        "",
        f"Goal: with {fan['readers']:,} readers connected, a new comment reaches 99% of them "
        f"within 1 s: **{'met' if met else 'missed'}** ({within:.1%} of "
        f"{expected:,} deliveries within 1 s).",
        "",
        f"Versions: townhall {facts['townhall']} ({facts['commit']}), uvicorn "
        f"{facts['uvicorn']}, {facts['wrk']}.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace, work: Path, started: Started, t0: float) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "load at start": load_average(),
    }
    limit = raise_open_files(args.readers * 2 + 1024)
    if limit < args.readers + 256:
        raise RuntimeError(f"open files limited to {limit}; {args.readers} readers need more")
    if not shutil.which("wrk"):
        say(t0, "installing wrk from Debian's packages")
        apt_install(["wrk"], work / "install.log", timeout=240)
    backing = Backing(args.postgres, args.redis)
    backing.create()
    try:
        facts["postgres"] = backing.server_version
        facts["redis"] = backing.redis_version()
        settings = {
            "TOWNHALL_DATABASE_URL": backing.database_url,
            "TOWNHALL_REDIS_URL": args.redis,
            "TOWNHALL_REDIS_PREFIX": backing.prefix,
        }
        nodes = [
            Townhall(work, args.python, args.workers, name=f"node-{n}", settings=settings)
            for n in "ab"
        ]
        for node in nodes:  # one after the other: the first one migrates
            say(t0, f"starting node {node.log.stem} on port {node.port}")
            node.start(started)
        say(t0, "seeding the 20- and 1,000-comment threads through node A")
        seeder = seed.TownhallSeeder(nodes[0].port)
        deadline = time.monotonic() + 180
        facts["seeds"] = {
            "t20": seeder.post("t20", seed.thread_plan(20, SEED), deadline),
            "t1000": seeder.post("t1000", seed.thread_plan(1000, SEED + 1), deadline),
        }
        say(t0, f"seeded: {facts['seeds']['t1000']}")
        facts["reads"] = {}
        for key in ("t20", "t1000"):
            path = f"/api/v1/comments?thread={key}"
            for node in nodes:  # every node answers, and has the page cached
                status, _ = seed.Client(node.port).request("GET", path)
                if status != 200:
                    raise RuntimeError(f"{node.log.stem} answers {status} for {path}")
            say(t0, f"reading {key} across both nodes for {args.seconds} s")
            facts["reads"][key] = wrk_read(started, work, f"read-{key}", nodes, path, args)
            say(t0, f"{key}: {rate(facts['reads'][key]['rps'])} req/s")
            for node in nodes:
                procs.settle(node_pid(started, node), limit=20)
        facts["load before live"] = load_average()
        say(t0, f"connecting {args.readers} live readers; load {facts['load before live']}")
        facts["fanout"] = asyncio.run(measure_fanout(nodes, seeder, args, lambda m: say(t0, m)))
        seeder.client.close()
    finally:
        started.stop_all()
        backing.drop()
    facts["elapsed"] = f"{time.monotonic() - t0:.0f} s"
    facts["townhall"] = package_version(args.python, "townhall")
    facts["uvicorn"] = package_version(args.python, "uvicorn")
    facts["commit"] = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    facts["wrk"] = (wrk_v.stdout + wrk_v.stderr).split(" [")[0].strip() or "wrk"
    return facts


def node_pid(started: Started, node: Townhall) -> int:
    for pid, proc in started.procs.items():
        if str(node.port) in proc.args:
            return pid
    raise RuntimeError(f"no process for {node.log.stem}")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/scaleout", description=__doc__)
    parser.add_argument("--seconds", type=int, default=15, help="seconds per wrk read")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="workers per node")
    parser.add_argument("--readers", type=int, default=1000, help="live (SSE) readers")
    parser.add_argument("--posts", type=int, default=5, help="measured posts")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between posts")
    parser.add_argument(
        "--wait", type=float, default=10.0, help="seconds to wait for every reader per post"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TOWNHALL_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL whose server lets this run create and drop a database",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("TOWNHALL_BENCH_REDIS", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs Townhall")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    started = Started()

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="townhall-scaleout-"))
    ok = False
    try:
        say(t0, f"work folder {work}; load average {load_average()}")
        facts = run(args, work, started, t0)
        section = render(facts, args)
        sections.replace_section(args.out, MARK, section)
        print()
        print(section)
        print(f"\nwritten to {args.out} (section {MARK})")
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
