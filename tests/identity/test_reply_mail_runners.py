"""Who sends the reply mail (#5): the app's own background loop, and `townhall notify-send`
(one pass, e.g. from cron). Both through a real SMTP server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, link_in, text_of
from townhall.settings import Settings

ARTICLE = {"thread": "harbour", "title": "Harbour works", "url": "https://news.example.org/harbour"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No batching window: a reply is due at once, so the loop's first tick sends it.
    return settings.replace(public_url="http://testserver", reply_mail_minutes=0)


def _reader_with_reply_mail(make_reader: Any, mailbox: Mailbox, name: str) -> Reader:
    reader = make_reader(name)
    _, _, token = link_in(mailbox.last_to(reader.user["email"]))
    assert reader.http.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
    assert reader.http.put("/api/v1/me/notify", json={"reply_email": True}).status_code == 200
    return reader


def _wait_for_reply_mail(mailbox: Mailbox, email: str, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        mails = [m for m in mailbox.to(email) if m["List-Unsubscribe"]]
        if mails:
            return mails
        time.sleep(0.1)
    raise AssertionError(f"no reply mail to {email} within {seconds} s")


def test_the_apps_own_loop_sends_the_reply_mail(
    app: Any, make_reader: Any, mailbox: Mailbox
) -> None:
    olena = _reader_with_reply_mail(make_reader, mailbox, "Olena")
    taras = make_reader("Taras")
    mine = olena.post("When do the works end?", **ARTICLE)
    with TestClient(app):  # runs the lifespan, and with it the loop
        taras.post("In spring, says the port.", parent_id=mine["id"], **ARTICLE)
        [mail] = _wait_for_reply_mail(mailbox, olena.user["email"])
    assert "In spring, says the port." in text_of(mail)


def test_notify_send_runs_one_pass_from_the_command_line(
    settings: Settings, make_reader: Any, mailbox: Mailbox
) -> None:
    olena = _reader_with_reply_mail(make_reader, mailbox, "Olena")
    taras = make_reader("Taras")
    mine = olena.post("When do the works end?", **ARTICLE)
    taras.post("In spring.", parent_id=mine["id"], **ARTICLE)
    taras.post("Or in summer.", parent_id=mine["id"], **ARTICLE)

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")},
        "TOWNHALL_DATABASE_URL": str(settings.database_url),
        "TOWNHALL_DATA_DIR": str(settings.data_dir),
        "TOWNHALL_MAILER": "smtp",
        "TOWNHALL_SMTP_HOST": "127.0.0.1",
        "TOWNHALL_SMTP_PORT": str(mailbox.port),
        "TOWNHALL_REPLY_MAIL_MINUTES": "0",
        "TOWNHALL_PUBLIC_URL": "https://comments.example.org",
    }
    run = [sys.executable, "-m", "townhall", "notify-send"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert "Sent 1 reply mails (2 replies)" in first.stdout
    [mail] = _wait_for_reply_mail(mailbox, olena.user["email"])
    assert mail["List-Unsubscribe"].startswith("<https://comments.example.org/unsubscribe/")
    second = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "Sent 0 reply mails" in second.stdout
