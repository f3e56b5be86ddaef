"""The optional external checker (Perspective- or Akismet-like) against a real HTTP server
on loopback (#3): its verdict holds a comment with its reason, and when it fails or is slow
the comment goes on (fail open) with a note for moderators, within the configured timeout."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import Reader
from tests.moderation.conftest import promote

TIMEOUT_MS = 500


class Checker(BaseHTTPRequestHandler):
    """Answers by a word in the text: flagged, spam, broken (500), slow (past the timeout)."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Checker.received.append(payload)
        text = payload["text"]
        if "broken" in text:
            self.send_error(500, "checker exploded")
            return
        if "slow" in text:
            time.sleep(3 * TIMEOUT_MS / 1000)
        answer: dict[str, Any] = {"score": 0.02, "spam": False}
        if "flagged" in text:
            answer = {"score": 0.93, "reason": "THREAT 0.93 (attribute score)"}
        if "casino" in text:
            answer = {"score": 0.1, "spam": True, "reason": "akismet: spam"}
        body = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the slow case: Townhall stopped waiting, as it should

    def log_message(self, *args: Any) -> None:  # keep pytest's output clean
        pass


@pytest.fixture
def checker_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Checker)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Checker.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/check"
    server.shutdown()
    server.server_close()


def post(reader: Reader, body: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    answer = reader.http.post("/api/v1/comments", json={"thread": "article-1", "body": body})
    assert answer.status_code == 201, answer.text
    return answer.json(), time.monotonic() - started


def reasons(mod: Reader, comment_id: int) -> dict[str, str]:
    details = mod.http.get(f"/api/v1/moderation/comments/{comment_id}").json()
    return {r["code"]: r["note"] for r in details["check"]["reasons"]}


def test_the_checkers_verdict_holds_with_its_reason_and_clean_comments_pass(
    app_with: Any, checker_url: str
) -> None:
    app, services = app_with(
        moderation_external_url=checker_url, moderation_external_timeout_ms=TIMEOUT_MS
    )
    author = Reader(app).signup("Author")
    mod = promote(services, Reader(app).signup("Mod"))

    clean, _ = post(author, "The bridge reopened this morning, thanks for the update.")
    assert clean["status"] == "visible"
    assert Checker.received[0]["text"].startswith("The bridge reopened")
    assert Checker.received[0]["language"] == "en"

    flagged, _ = post(author, "Someone should be flagged for what happened at the bridge.")
    assert flagged["status"] == "pending"
    assert flagged["held_reason"] == "It may read as abusive, so a moderator will check it first."
    assert "THREAT 0.93" in reasons(mod, flagged["id"])["external-toxic"]

    spam, _ = post(author, "Best online casino bonuses, visit us for more information today.")
    assert spam["status"] == "pending"
    assert "akismet: spam" in reasons(mod, spam["id"])["external-spam"]
    assert [c["id"] for c in Reader(app).thread()["comments"]] == [clean["id"]]


@pytest.mark.parametrize("word", ["broken", "slow"])
def test_a_failing_or_slow_checker_fails_open_within_the_timeout(
    app_with: Any, checker_url: str, word: str
) -> None:
    app, services = app_with(
        moderation_external_url=checker_url, moderation_external_timeout_ms=TIMEOUT_MS
    )
    author = Reader(app).signup("Author")
    mod = promote(services, Reader(app).signup("Mod"))
    post(author, "A first comment loads the shipped models, so the next one is timed alone.")
    comment, took = post(author, f"A perfectly ordinary comment, the checker is {word} today.")
    assert comment["status"] == "visible"
    assert "External checker unavailable" in reasons(mod, comment["id"])["unavailable"]
    # The timeout bounds the wait; the rest is slack for two shared cores.
    assert took < TIMEOUT_MS / 1000 + 2.0
