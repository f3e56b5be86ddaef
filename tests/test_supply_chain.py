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
