"""The brigading simulation of bench/moderation.py, smaller, through the real pipeline and
store (#3): campaigns of 40 new accounts are held as one or a few clusters, organic
comments (10 % of them from accounts under a day old) are left alone."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench" / "moderation.py"
spec = importlib.util.spec_from_file_location("bench_moderation", BENCH)
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_campaigns_are_held_as_clusters_and_organic_comments_are_not(
    tmp_path: Path, figures: Any
) -> None:
    # 500 organic comments on 5 stories keep the bench's 100 comments per story per day,
    # so new readers are as likely to post during a campaign as in the full run.
    started = time.monotonic()
    result = bench.simulate(seed=11, workdir=tmp_path, organic=500, stories=5)
    figures(
        f"brigading simulation (500 organic): template_held={result['template_held']:.2f}"
        f" in clusters {result['template_clusters']},"
        f" paraphrase_held={result['paraphrase_held']:.2f}"
        f" in clusters {result['paraphrase_clusters']},"
        f" organic_held={result['organic_held']:.3f}, median_ms={result['median_ms']:.2f},"
        f" {time.monotonic() - started:.0f} s"
    )
    assert result["template_held"] >= 0.95
    assert result["paraphrase_held"] >= 0.90
    # The goal is 1 %: 5 of these 500. Allow 4, so the test has a margin of its own.
    assert result["organic_held"] <= 0.008
    assert 1 <= len(result["template_clusters"]) <= 3
    assert 1 <= len(result["paraphrase_clusters"]) <= 3
    # A guard against a pathological slowdown only: the 5 ms goal is measured by
    # bench/moderation.py on a quiet machine; CI machines may be busy.
    assert result["median_ms"] < 30
