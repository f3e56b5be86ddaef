"""Tables, checks and the final line of bench/run."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

RATIO_ROWS = (  # (name in the last line, Townhall run, Isso run, nginx run)
    ("read20", "th_read20", "isso_read20", "nginx_read20"),
    ("read1000", "th_read1000", "isso_read1000", "nginx_read1000"),
    ("counts50", "th_counts", "isso_counts", None),
    ("post", "th_post", "isso_post", None),
)
LABELS = {
    "read20": "read the 20-comment thread",
    "read1000": "read the 1,000-comment thread",
    "counts50": "counts of 50 articles, one request",
    "post": "post a comment (accepted/s)",
}


# ---------------------------------------------------------------- checks


def townhall_shape(body: bytes) -> dict[str, Any]:
    doc = json.loads(body)

    def walk(items: list[dict[str, Any]]) -> int:
        return sum(1 + walk(c.get("replies") or []) for c in items)

    top = doc["comments"]
    return {
        "bytes": len(body),
        "top_level": len(top),
        "comments": walk(top),
        "thread_total": doc["thread"]["comment_count"],
        "more_pages": doc.get("next_cursor") is not None,
    }


def isso_shape(body: bytes) -> dict[str, Any]:
    doc = json.loads(body)
    top = doc["replies"]
    nested = sum(len(c.get("replies") or []) for c in top)
    return {
        "bytes": len(body),
        "top_level": len(top),
        "comments": len(top) + nested,
        "thread_total": len(top) + nested,
        "more_pages": False,
    }


def stored_check(new_ids: set[int], acked: list[int]) -> dict[str, int]:
    """What a post run left in the database against what the server acknowledged."""
    distinct = set(acked)
    return {
        "stored": len(new_ids),
        "acked": len(acked),
        "acked_duplicate": len(acked) - len(distinct),
        "acked_missing": len(distinct - new_ids),
        "stored_not_acked": len(new_ids - distinct),
    }


def profile_summary(raw: str, top: int = 25) -> str:
    """py-spy's raw (collapsed) stacks -> the frames that hold the most samples."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    out = [f"py-spy, one Townhall worker, {samples} samples", "", "own time:"]
    out += [f"{100 * n / samples:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    out += ["", "including callees:"]
    out += [f"{100 * n / samples:5.1f}%  {frame}" for frame, n in total.most_common(top)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- formatting


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return (
        f"{value:.0f} ms"
        if value >= 100
        else f"{value:.1f} ms"
        if value >= 1
        else f"{value:.2f} ms"
    )


def rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def ratio(value: float | None) -> str:
    """Three significant figures, never in exponent form (the last line is read by scripts)."""
    if value is None:
        return "nan"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.3g}"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.5f}"


def _div(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or not a.get("rps") or not b.get("rps"):
        return None
    return float(a["rps"]) / float(b["rps"])


def _cell(run: dict[str, Any] | None) -> str:
    if not run:
        return "-"
    if "rps" not in run:
        return f"skipped ({run.get('skipped', '?')})"
    if not run["responses"]:
        return f"no answer within {run['seconds']} s"
    return f"{rate(run['rps'])} ({ms(run['p50'])} / {ms(run['p99'])})"


def ratio_table(by_key: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| measurement | Townhall req/s (p50 / p99) | Isso req/s (p50 / p99) "
        "| nginx req/s (p50 / p99) | Townhall/Isso | Townhall/nginx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, th, isso, ng in RATIO_ROWS:
        a, b, c = by_key.get(th), by_key.get(isso), by_key.get(ng) if ng else None
        lines.append(
            f"| {LABELS[name]} | {_cell(a)} | {_cell(b)} | {_cell(c) if ng else 'n/a'} "
            f"| **{ratio(_div(a, b))}** | {f'**{ratio(_div(a, c))}**' if ng else 'n/a'} |"
        )
    return lines


def runs_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| run | measurement | server | conns | req/s | p50 | p99 | responses | non-2xx "
        "| socket errors | timeouts | bytes/response |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        if "rps" not in r:
            lines.append(
                f"| {r['key']} | {r['label']} | {r['server']} | - | - | - | - | - | - "
                f"| - | - | skipped: {r.get('skipped')} |"
            )
            continue
        lines.append(
            f"| {r['key']} | {r['label']} | {r['server']} | {r['connections']} | {rate(r['rps'])} "
            f"| {ms(r['p50'])} | {ms(r['p99'])} | {r['responses']:,} | {r['non2xx']:,} "
            f"| {r['errors']:,} | {r['timeouts']:,} | {r['bytes_per_response']:,.0f} |"
        )
    return lines


def memory_table(memory: dict[str, dict[str, Any]]) -> list[str]:
    """RSS counts every page a process maps, shared or not; PSS splits each shared page among
    the processes sharing it (forked workers share their master's), so it sums to the
    machine's real use."""
    lines = [
        "| server | when | per worker RSS (MB) | per worker PSS (MB) | master RSS (MB) "
        "| master PSS (MB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, m in memory.items():
        server, _, when = name.rpartition(" ")
        workers = ", ".join(f"{x:.0f}" for x in m["workers"]) or "-"
        workers_pss = ", ".join(f"{x:.0f}" for x in m.get("workers_pss") or []) or "-"
        master = f"{m['master']:.0f}" if m.get("master") else "-"
        master_pss = f"{m['master_pss']:.0f}" if m.get("master_pss") else "-"
        lines.append(f"| {server} | {when} | {workers} | {workers_pss} | {master} | {master_pss} |")
    return lines


def goals(by_key: dict[str, dict[str, Any]], facts: dict[str, Any]) -> list[str]:
    """The issue's goals, each marked met or missed from this run's figures."""

    def mark(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "**missed**")

    out = []
    for th, ng, label in (
        ("th_read20", "nginx_read20", "20-comment thread"),
        ("th_read1000", "nginx_read1000", "1,000-comment thread, first page"),
    ):
        q = _div(by_key.get(th), by_key.get(ng))
        p99 = by_key.get(th, {}).get("p99")
        out.append(
            f"- Read, {label}: at least half of nginx's req/s: "
            f"{mark(None if q is None else q >= 0.5)} ({ratio(q)}); p99 under 20 ms: "
            f"{mark(None if p99 is None else p99 < 20)} ({ms(p99)})"
        )
    r256 = by_key.get("th_read20_256", {})
    if "rps" in r256:
        bad = r256["timeouts"] + r256["errors"] + r256["non2xx"]
        out.append(
            f"- No timeouts at 256 connections (wrk timeout 2 s): {mark(bad == 0)} "
            f"({r256['timeouts']} timeouts, {r256['errors']} socket errors, "
            f"{r256['non2xx']} non-2xx; p99 {ms(r256['p99'])})"
        )
    q = _div(by_key.get("th_post"), by_key.get("isso_post"))
    stored = facts["stored"].get("Townhall")
    lost = None if stored is None else stored["acked_missing"] + stored["acked_duplicate"]
    out.append(
        f"- Posting at least 10x Isso's accepted/s: {mark(None if q is None else q >= 10)} "
        f"({ratio(q)}); none lost: {mark(None if lost is None else lost == 0)}"
    )
    idle = facts["memory"].get("Townhall idle", {})
    worst = max(idle.get("workers") or [], default=None)
    worst_pss = max(idle.get("workers_pss") or [], default=None)
    out.append(
        f"- Idle memory under 100 MB per worker, proportional (PSS): "
        f"{mark(None if worst_pss is None else worst_pss < 100)} "
        f"({'-' if worst_pss is None else f'{worst_pss:.0f} MB'}); resident (RSS, shared "
        f"pages counted whole): {mark(None if worst is None else worst < 100)} "
        f"({'-' if worst is None else f'{worst:.0f} MB'})"
    )
    return out


def stored_lines(stored: dict[str, dict[str, int]]) -> list[str]:
    out = []
    for server, s in stored.items():
        out.append(
            f"- {server}: {s['acked']:,} posts acknowledged (201), {s['stored']:,} new comments in "
            f"the database afterwards; {s['acked_missing']} acknowledged ids missing from it, "
            f"{s['acked_duplicate']} acknowledgements naming an id another request also got, "
            f"{s['stored_not_acked']} stored but never acknowledged (in flight when wrk stopped)"
        )
    return out


def data_lines(facts: dict[str, Any]) -> list[str]:
    out = []
    for name, s in facts["seeds"].items():
        extra = ""
        if "reparented" in s:
            extra = f"; Isso moved {s['reparented']} replies to a reply up to the top-level one"
        if "held" in s:
            extra = (
                f"; {s['replies_moved']} replies planned under a comment the moderation "
                "pipeline held went under its nearest shown ancestor"
            )
        out.append(
            f"- seeded {name}: {s['comments']} comments ({s['top_level']} top level, "
            f"{s['replies']} replies), {s['min_chars']}-{s['max_chars']} characters, "
            f"in {s['seconds']} s{extra}"
        )
    for name, b in facts["bodies"].items():
        out.append(
            f"- {name} answer: {b['bytes']:,} bytes, {b['comments']} comments "
            f"({b['top_level']} top level){'; more pages follow' if b['more_pages'] else ''}"
            f"; the thread counts {b['thread_total']} shown comments"
        )
    for name, verdict in facts["counts_check"].items():
        out.append(f"- {name} counts of the 50 articles: {verdict}")
    return out


def render(
    env: dict[str, str], runs: list[dict[str, Any]], facts: dict[str, Any], args: argparse.Namespace
) -> tuple[str, str, str]:
    by_key = {r["key"]: r for r in runs}
    ratios = ratio_table(by_key)
    last = " ".join(
        f"{name}_vs_{other}={ratio(_div(by_key.get(th), by_key.get(key)))}"
        for name, th, key, other in (
            ("read20", "th_read20", "isso_read20", "isso"),
            ("read1000", "th_read1000", "isso_read1000", "isso"),
            ("read20", "th_read20", "nginx_read20", "nginx"),
            ("read1000", "th_read1000", "nginx_read1000", "nginx"),
            ("post", "th_post", "isso_post", "isso"),
        )
    )
    quick = " This was a **quick** run: too short for figures to compare." if args.quick else ""
    versions = ", ".join(
        f"{k} {v}"
        for k, v in env.items()
        if k not in ("date", "cores", "cpu", "memory", "kernel", "load at start", "elapsed")
    )
    doc = [  # the "http" section of docs/benchmarks.md (bench/sections.py)
        "## Serving comments over HTTP (issue #7)",
        "",
        f"Measured {env['date']} by `bench/run` ({env['elapsed']} in all) on {env['cores']} cores "
        f"({env['cpu']}, {env['memory']}, Linux {env['kernel']}; load average "
        f"{env['load at start']} at the start). wrk, 2 threads, {args.connections} connections, "
        f"{args.seconds} s per measurement, loopback only; servers and wrk share the cores. "
        f"{args.workers} workers for each Python server.{quick} How to run it and how to read "
        "it: [bench/README.md](../bench/README.md).",
        "",
        "req/s counts 2xx answers per second (for posting: comments acknowledged with 201). p50 "
        "and p99 are over the answers that completed during the run, queueing included.",
        "",
        *ratios,
        "",
        "### Goals (issue #7)",
        "",
        *goals(by_key, facts),
        "",
        "### Every run",
        "",
        *runs_table(runs),
        "",
        "### Comments acknowledged and stored",
        "",
        *(stored_lines(facts["stored"]) or ["- no post run completed"]),
        "",
        "### Resident memory",
        "",
        "Idle: after start, before any request. After: at the end of the runs (Townhall: one "
        "server for all its runs; Isso: a fresh server per run, the largest worker seen).",
        "",
        *memory_table(facts["memory"]),
        "",
        "### Data",
        "",
        *data_lines(facts),
        "",
        f"Versions: {versions}.",
        "",
        last,
        "",
    ]
    console = "\n".join(
        [
            *ratios,
            "",
            *goals(by_key, facts),
            "",
            *runs_table(runs),
            "",
            *stored_lines(facts["stored"]),
            "",
            *memory_table(facts["memory"]),
        ]
    )
    return "\n".join(doc), console, last
