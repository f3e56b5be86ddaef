"""Schemathesis against /api/openapi.json, in-process: every documented operation, as an
anonymous visitor, a signed-in reader and a moderator, with valid and invalid inputs.
No answer may be a 5xx, and every answer must match what the document promises (status
code, content type, body schema).

The operations come from the served document, so routes other areas add are fuzzed as
soon as they are documented. TOWNHALL_FUZZ_EXAMPLES sets examples per operation and
mode, each sent as all three callers (default 30: over 10,000 requests in each CI pass);
set it to, say, 2000 for a long run.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.figures import Figures
from townhall.domain import accounts
from townhall.domain.services import Services

EXAMPLES = int(os.environ.get("TOWNHALL_FUZZ_EXAMPLES", "30"))
MIN_REQUESTS = 5_000 if EXAMPLES >= 30 else 0
# Operations slower than this per request (password hashing: argon2 by design) get only
# the pilot's examples, so they do not eat the run's time.
PILOT = 4
EXPENSIVE_SECONDS = 0.05
ORIGIN = "http://testserver"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class Callers:
    """Bearer tokens for a reader and a moderator; a fresh session after each sign-out, a
    fresh account after each account deletion (DELETE /api/v1/me, #5)."""

    def __init__(self, app: Any, services: Services, make_reader: Any) -> None:
        self.services = services
        self.make_reader = make_reader
        reader = make_reader("Fuzz Reader")
        self.users = {"reader": reader.user, "moderator": self._account("moderator")}
        self.tokens = {name: self._session(name) for name in self.users}
        for n in range(5):  # a few comments for the id-taking routes to find
            reader.post(f"seed comment {n}", thread="fuzz")

    def _account(self, name: str) -> dict[str, Any]:
        user: dict[str, Any] = self.make_reader(f"Fuzz {name.title()}").user
        if name == "moderator":
            accounts.set_role(self.services, user["email"], "moderator")
        return user

    def _session(self, name: str) -> str:
        return accounts.start_session(self.services, self.users[name]["id"], "fuzzer")

    def each(self) -> list[tuple[str, dict[str, str]]]:
        """Anonymous, reader and moderator headers: every case is sent as each of them."""
        callers = [("anonymous", {"Origin": ORIGIN})]
        for name, token in self.tokens.items():
            callers.append((name, {"Origin": ORIGIN, "Authorization": f"Bearer {token}"}))
        return callers

    def after(self, name: str, path: str) -> None:
        if name == "anonymous":
            return
        if (
            path == "/api/v1/me"
            and accounts.user_for_token(self.services, self.tokens[name]) is None
        ):
            self.users[name] = self._account(name)  # the fuzzer deleted the account
        if path.endswith("/signout") or path == "/api/v1/me":
            self.tokens[name] = self._session(name)


def test_every_documented_operation_survives_generated_requests(
    app: Any, services: Services, make_reader: Any, figures: Figures
) -> None:
    callers = Callers(app, services, make_reader)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    seconds: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operations"

    # One in-process client for the whole run; a live stream is read up to its first events.
    with asgi.get_client(app, max_stream_events=1) as client:
        for operation in operations:
            for mode in ("positive", "negative"):
                label = f"{operation.method.upper()} {operation.path}"
                run = (operation, mode, client, callers, statuses, failures)
                started, before = time.monotonic(), statuses.total()
                _fuzz(*run, examples=PILOT)
                each = (time.monotonic() - started) / max(1, statuses.total() - before)
                if each < EXPENSIVE_SECONDS:
                    _fuzz(*run, examples=EXAMPLES)
                seconds[label] += time.monotonic() - started

    total = sum(statuses.values())
    figures(
        f"fuzzing: {total} requests over {len(operations)} operations;"
        f" statuses {dict(sorted(statuses.items()))}; failures {len(failures)}"
    )
    slowest = ", ".join(f"{label} {s:.1f} s" for label, s in seconds.most_common(3))
    figures(f"slowest operations: {slowest}")
    distinct = sorted({failure.split("\n[", 1)[0] for failure in failures})
    assert not failures, f"{len(distinct)} distinct failures:\n\n" + "\n\n".join(distinct[:20])
    assert total >= MIN_REQUESTS, f"only {total} requests were generated"


def _fuzz(
    operation: Any,
    mode: str,
    client: Any,
    callers: Callers,
    statuses: Counter[int],
    failures: list[str],
    examples: int,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=_mode(mode)))
    def fuzz(case: Any) -> None:
        for name, headers in callers.each():
            response = case.call(session=client, headers=headers)
            statuses[response.status_code] += 1
            callers.after(name, operation.path)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as error:  # reported together at the end
                failures.append(f"{label} ({mode}) as {name}: {_describe(error)}")

    try:
        fuzz()
    except Unsatisfiable:
        # No invalid input exists for an operation without parameters or body.
        assert mode == "negative", f"{label}: no valid request can be generated"


def _mode(name: str) -> Any:
    from schemathesis import GenerationMode

    return GenerationMode.POSITIVE if name == "positive" else GenerationMode.NEGATIVE


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _describe(error: BaseException) -> str:
    parts = [str(error)]
    if isinstance(error, BaseExceptionGroup):
        parts += [str(inner) for inner in error.exceptions]
    return "\n".join(parts)[:2000]
