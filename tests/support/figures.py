"""The figures the hardening tests measure (requests fuzzed, payloads tried, comments
acknowledged and found after a crash, memory growth in the soak), printed in a "Townhall
figures" section at the end of every run, passing or not (#8).

pytest hides what a passing test prints, so a test records its figures with the `figures`
fixture instead. They travel as the report's user_properties, which pytest-xdist carries
from its workers to the terminal that prints the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

KEY = "townhall figure"

Figures = Callable[[str], None]

_running: list[pytest.Item] = []


def record_figure(line: str) -> None:
    """Records a figure for the test running now, from helpers that have no `request`."""
    if not _running:
        raise RuntimeError("record_figure() is for use while a test runs")
    _running[-1].user_properties.append((KEY, line.strip()))


@pytest.fixture
def figures() -> Figures:
    """`figures("crash round 1: acknowledged 412, found 412, missing 0")`"""
    return record_figure


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines: list[str] = []
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call":
                continue
            found = [str(value) for key, value in report.user_properties if key == KEY]
            if found:
                suffix = "" if outcome == "passed" else f" ({outcome.upper()})"
                lines.append(f"{report.nodeid}{suffix}")
                lines.extend(f"  {line}" for line in found)
    if lines:
        terminalreporter.write_sep("=", "Townhall figures")
        for line in lines:
            terminalreporter.write_line(line)
