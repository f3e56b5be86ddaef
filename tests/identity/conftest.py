"""A real SMTP server on loopback (aiosmtpd) that the app sends its mail to, and a clock
the stories can move forward."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.support.mail import Mailbox, html_of, running_mailbox, text_of
from townhall.settings import Settings

__all__ = ["Mailbox", "StepClock", "html_of", "link_in", "text_of"]

LINK = re.compile(r"http://testserver/auth/(\w+)\?token=([\w\-%]+)")


def link_in(message: EmailMessage) -> tuple[str, str, str]:
    """(url, kind, token) of the link in the plain-text part."""
    match = LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(0), match.group(1), match.group(2)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


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
