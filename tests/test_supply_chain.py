"""The deployment lock (requirements/deploy.txt) pins, with hashes, every package the server
needs, at versions pyproject.toml accepts: a dependency added to one and not the other fails
here rather than in a newsroom's deployment (#8)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "deploy.txt"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + sum(
        (project["optional-dependencies"][extra] for extra in ("postgres", "redis")), []
    )
    return [Requirement(name) for name in names]


def test_every_server_dependency_is_pinned_with_hashes_at_an_accepted_version() -> None:
    locked = _locked()
    problems = []
    for requirement in _wanted():
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name} is not in {LOCK.name}")
            continue
        version, hashes = locked[name]
        if hashes == 0:
            problems.append(f"{requirement.name}=={version} has no --hash")
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert not problems, "Regenerate the lock (docs/deployment.md, 'Pinned install'): " + "; ".join(
        problems
    )
    assert all(hashes for _, hashes in locked.values()), "every locked package needs a hash"


def test_the_server_imports_only_what_the_lock_installs() -> None:
    """A dev-only package imported by server code works in tests and fails in production
    (webhooks once sent nothing from a pinned install because httpx was dev-only)."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    locked = set(_locked())
    problems = set()
    for source in (ROOT / "townhall").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "townhall" or top in sys.stdlib_module_names:
                    continue
                dists = {canonicalize_name(d) for d in providers.get(top, [top])}
                if not dists & locked:
                    problems.add(f"{source.relative_to(ROOT)} imports {top} ({sorted(dists)})")
    assert not problems, "server code imports packages the lock does not install: " + "; ".join(
        sorted(problems)
    )
