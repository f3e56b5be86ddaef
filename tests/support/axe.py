"""axe-core in the browser stories: fetched once from the npm registry (never committed),
injected into a Playwright page, run with the WCAG 2.2 A/AA rule tags only."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

AXE_VERSION = "4"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CACHE = Path(os.environ.get("TOWNHALL_TEST_CACHE", Path.home() / ".cache" / "townhall-tests"))


@cache
def axe_source() -> str:
    """The text of axe.min.js, installed with `npm install axe-core@4` on first use."""
    target = CACHE / f"axe-core@{AXE_VERSION}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed once to fetch axe-core for the accessibility tests")
        CACHE.mkdir(parents=True, exist_ok=True)
        # Install beside the target, then rename: parallel workers never see half a package.
        staging = Path(tempfile.mkdtemp(dir=CACHE, prefix="axe-"))
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(staging),
                f"axe-core@{AXE_VERSION}",
                "--no-audit",
                "--no-fund",
                "--no-package-lock",
                "--loglevel=error",
            ],
            check=True,
            timeout=180,
        )
        try:
            staging.rename(target)
        except OSError:  # another worker got there first
            shutil.rmtree(staging, ignore_errors=True)
    return script.read_text(encoding="utf-8")


@dataclass
class AxeReport:
    """What one axe run found: the rules it checked and the violations among them."""

    label: str
    rules: set[str] = field(default_factory=set)
    violations: list[dict[str, Any]] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"axe {self.label}: {len(self.rules)} rules checked, "
            f"{len(self.violations)} violations, {len(self.incomplete)} to review by hand"
        ]
        for v in self.violations:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']} -> {targets}")
            for n in v["nodes"][:3]:
                lines.append(f"      {n.get('failureSummary', '').splitlines()[-1:]}")
        return "\n".join(lines)


def run_axe(page: Any, label: str, context: str | None = None) -> AxeReport:
    """Injects axe into `page` (once) and checks `context` (a CSS selector) or the document."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source())
    results = page.evaluate(
        """([context, tags]) => axe.run(context ? document.querySelector(context) : document,
               {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        [context, WCAG_TAGS],
    )
    report = AxeReport(label)
    for group in ("passes", "violations", "incomplete", "inapplicable"):
        report.rules.update(rule["id"] for rule in results[group])
    report.violations = results["violations"]
    report.incomplete = [rule["id"] for rule in results["incomplete"]]
    print(report.summary())
    return report
