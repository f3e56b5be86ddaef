"""Live fan-out for bench/scaleout: many Server-Sent Events readers over raw asyncio
streams, comments posted through one node, and the time until each reader has each one."""

# ruff: noqa: S311 (seeded, reproducible comment text, not secrets)

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from collections.abc import Callable
from typing import Any

import seed
from harness import SEED
from systems import Townhall

GOAL_SECONDS = 1.0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least Q of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def raise_open_files(wanted: int) -> int:
    """1,000 readers here and 500 connections per node (the nodes inherit this limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Reader:
    """One EventSource-like connection over a raw asyncio stream: HTTP/1.1, chunked."""

    def __init__(self, number: int, node: str, port: int, path: str, fanout: Fanout) -> None:
        self.number = number
        self.node = node
        self.port = port
        self.path = path
        self.fanout = fanout
        self.seen = 0  # "new" events received so far
        self.writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"reader {self.number}: {status!r}")
        chunked = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        buffer = b""
        while True:
            if chunked:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    return
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    return
            now = time.perf_counter()  # before parsing: the moment the bytes were here
            buffer += data
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                self.on_frame(frame, now)

    def on_frame(self, frame: bytes, now: float) -> None:
        event = b""
        for line in frame.split(b"\n"):
            if line.startswith(b"event:"):
                event = line[6:].strip()
        if event == b"ready":
            self.fanout.ready(self)
        elif event == b"new":
            self.fanout.arrived(self, self.seen, now)
            self.seen += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Fanout:
    """READERS readers split over the nodes; comments posted through the first node."""

    def __init__(self, nodes: list[Townhall], thread: str, readers: int) -> None:
        self.nodes = nodes
        self.path = f"/api/v1/threads/events?thread={thread}"
        self.thread = thread
        self.readers = [
            Reader(n, "AB"[n % len(nodes)], nodes[n % len(nodes)].port, self.path, self)
            for n in range(readers)
        ]
        self.connected = 0
        self.all_ready = asyncio.Event()
        # arrivals[k][reader number]: perf_counter() when the k-th "new" event came in
        self.arrivals: list[dict[int, float]] = []
        self.complete: list[asyncio.Event] = []

    def ready(self, _reader: Reader) -> None:
        self.connected += 1
        if self.connected == len(self.readers):
            self.all_ready.set()

    def arrived(self, reader: Reader, k: int, now: float) -> None:
        while len(self.arrivals) <= k:
            self.arrivals.append({})
            self.complete.append(asyncio.Event())
        self.arrivals[k][reader.number] = now
        if len(self.arrivals[k]) == len(self.readers):
            self.complete[k].set()

    def slot(self, k: int) -> asyncio.Event:
        while len(self.complete) <= k:
            self.arrivals.append({})
            self.complete.append(asyncio.Event())
        return self.complete[k]


async def measure_fanout(
    nodes: list[Townhall], seeder: seed.TownhallSeeder, args: Any, say: Callable[[str], None]
) -> dict[str, Any]:
    fan = Fanout(nodes, "t1000", args.readers)
    tasks: list[asyncio.Task[None]] = []
    connect_started = time.monotonic()
    # In batches, so the nodes' listen queues never overflow.
    for start in range(0, len(fan.readers), 50):
        for r in fan.readers[start : start + 50]:
            tasks.append(asyncio.create_task(r.run()))
        await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(fan.all_ready.wait(), 60)
    except TimeoutError:
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        raise RuntimeError(
            f"only {fan.connected} of {len(fan.readers)} readers got 'ready' in 60 s"
            f" ({len(failed)} failed; first: {failed[:1]})"
        ) from None
    connect_seconds = time.monotonic() - connect_started
    say(f"{fan.connected} readers connected in {connect_seconds:.1f} s; load {load_average()}")
    rng = random.Random(SEED + 7)
    token = seeder.tokens[0]
    posts: list[dict[str, Any]] = []
    # Post 0 warms up (unmeasured); then ARGS.posts measured posts.
    for k in range(args.posts + 1):
        body = {"thread": fan.thread, "body": seed.comment_body(rng)}
        headers = {"Authorization": f"Bearer {token}", "Origin": nodes[0].origin}

        def send(body: dict[str, Any] = body, headers: dict[str, str] = headers) -> Any:
            sent = time.perf_counter()
            status, answer = seeder.client.json("POST", "/api/v1/comments", body, headers=headers)
            return sent, time.perf_counter(), status, answer

        done = fan.slot(len([p for p in posts if p["shown"]]))
        sent, answered, status, answer = await asyncio.to_thread(send)
        if status != 201:
            raise RuntimeError(f"post {k}: HTTP {status}: {answer!r}"[:300])
        shown = answer.get("status", "visible") == "visible"
        post = {"k": k, "sent": sent, "answered": answered, "shown": shown, "id": answer["id"]}
        if shown:
            try:
                await asyncio.wait_for(done.wait(), args.wait)
            except TimeoutError:
                pass
            index = len([p for p in posts if p["shown"]])
            post["arrivals"] = dict(fan.arrivals[index])
        posts.append(post)
        await asyncio.sleep(args.gap)
    for r in fan.readers:
        r.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "readers": len(fan.readers),
        "connect_seconds": connect_seconds,
        "posts": [summarise(p, fan) for p in posts],
    }


def summarise(post: dict[str, Any], fan: Fanout) -> dict[str, Any]:
    out: dict[str, Any] = {
        "k": post["k"],
        "shown": post["shown"],
        "answered_ms": (post["answered"] - post["sent"]) * 1000,
    }
    if not post["shown"]:
        return out
    arrivals = post["arrivals"]
    delays = {n: (t - post["sent"]) for n, t in arrivals.items()}
    values = list(delays.values())
    total = len(fan.readers)
    out.update(
        received=len(values),
        delays=values,
        all=max(values) if len(values) == total else None,
        p50=percentile(values, 0.50),
        p99=percentile(values, 0.99),
        within=sum(1 for v in values if v <= GOAL_SECONDS) / total,
        by_node={
            node: percentile([d for n, d in delays.items() if fan.readers[n].node == node], 0.99)
            for node in ("A", "B")
        },
    )
    return out
