"""The pipeline: a list of stages, cheapest first, each adding findings to a verdict.

A stage is any object with a ``name`` and ``run(submission, verdict)``. A finding either
holds the comment for review or rejects it; either way it says why, once for moderators
and once in words its author can read. The pipeline never writes: the domain applies the
verdict inside the comment's own transaction (see ``townhall.domain.moderation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection

from townhall.settings import Settings

HOLD, REJECT = "hold", "reject"


@dataclass
class Submission:
    """What a stage may look at: the text, who wrote it where, and a read connection."""

    conn: Connection
    settings: Settings
    body: str
    author: dict[str, Any]
    site_id: int
    thread: dict[str, Any]
    now: int
    # Keyed hashes (#5): of the address, and of its /24 (IPv4) or /64 (IPv6), one
    # household or office. Stages compare them; the addresses themselves are not kept.
    remote_addr: str | None = None
    network: str | None = None
    comment_id: int | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def account_age_hours(self) -> float:
        return (self.now - int(self.author["created_at"])) / 3_600_000

    @property
    def account_new(self) -> bool:
        return self.account_age_hours < float(self.settings.moderation_new_account_hours)

    def memo(self, key: str, compute: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


@dataclass
class Finding:
    stage: str
    code: str
    action: str
    note: str
    author_reason: str
    # An objection to the words themselves, which their author may answer by revising.
    nudge: bool = False

    def as_dict(self) -> dict[str, str]:
        return {
            "stage": self.stage,
            "code": self.code,
            "action": self.action,
            "note": self.note,
        }


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    toxicity: float | None = None
    language: str | None = None
    signature: bytes | None = None
    bands: list[int] = field(default_factory=list)
    # Set by the brigading stages: comments to hold together with this one.
    cluster: dict[str, Any] | None = None

    def hold(
        self, stage: str, code: str, note: str, author_reason: str, *, nudge: bool = False
    ) -> None:
        self.findings.append(Finding(stage, code, HOLD, note, author_reason, nudge))

    def reject(
        self, stage: str, code: str, note: str, author_reason: str, *, nudge: bool = False
    ) -> None:
        self.findings.append(Finding(stage, code, REJECT, note, author_reason, nudge))

    def note(self, stage: str, code: str, note: str) -> None:
        """Shown to moderators; changes nothing (e.g. 'not scored: Ukrainian')."""
        self.notes.append({"stage": stage, "code": code, "action": "note", "note": note})

    @property
    def rejected(self) -> bool:
        return any(f.action == REJECT for f in self.findings)

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected"
        return "pending" if self.findings or self.cluster else "visible"

    @property
    def held_reason(self) -> str | None:
        if self.status == "visible":
            return None
        if self.findings:
            return self.findings[0].author_reason
        return "Several similar comments arrived at once; a moderator will look at them."

    @property
    def nudges(self) -> list[dict[str, str]]:
        """What to tell the author before holding: the plain reasons, when every finding is
        an objection to the words (rules, classifier). Nothing when the comment would wait
        anyway (a pre-moderated story or author, a brigading cluster, repeated text)."""
        if self.cluster is not None or not all(f.nudge for f in self.findings):
            return []
        return [{"code": f.code, "reason": f.author_reason} for f in self.findings]

    def reasons(self) -> list[dict[str, str]]:
        return [f.as_dict() for f in self.findings] + self.notes


class Stage(Protocol):
    name: str

    def run(self, submission: Submission, verdict: Verdict) -> None: ...


class Pipeline:
    """Stages in order. ``register`` is the plugin hook; built-ins use it too."""

    def __init__(self) -> None:
        self.stages: list[Stage] = []

    def register(self, stage: Stage, *, before: str | None = None) -> None:
        if before is None:
            self.stages.append(stage)
            return
        names = [s.name for s in self.stages]
        self.stages.insert(names.index(before), stage)

    def run(self, submission: Submission) -> Verdict:
        verdict = Verdict()
        for stage in self.stages:
            stage.run(submission, verdict)
            if verdict.rejected:
                break
        return verdict
