"""A real SMTP server on loopback (aiosmtpd) that the app sends its mail to, and a clock
the stories can move forward."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from townhall.settings import Settings

LINK = re.compile(r"http://testserver/auth/(\w+)\?token=([\w\-%]+)")


class Mailbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str) -> EmailMessage:
        mails = self.to(address)
        assert mails, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return mails[-1]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> tuple[str, str, str]:
    """(url, kind, token) of the link in the plain-text part."""
    match = LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(0), match.group(1), match.group(2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.replace(mailer="smtp", smtp_host="127.0.0.1", smtp_port=mailbox.port)


class StepClock:
    """The system clock plus however far a story moved it."""

    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def now_ms(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1000)
