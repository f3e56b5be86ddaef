"""Both mailers deliver the same message: plain text and HTML, with its extra headers."""

from __future__ import annotations

from email.message import EmailMessage

from tests.identity.conftest import Mailbox, html_of, text_of
from townhall.notify.mail import Message, OutboxMailer, SmtpMailer

MESSAGE = Message(
    to="reader@example.org",
    subject="Hello",
    text="Plain words.\n",
    html="<p>Plain <b>words</b>.</p>",
    headers={"List-Unsubscribe": "<https://comments.example.org/u/1>"},
)


def _check(mail: EmailMessage) -> None:
    assert mail["To"] == "reader@example.org"
    assert mail["From"] == "Townhall <townhall@example.org>"
    assert mail["Subject"] == "Hello"
    assert mail["List-Unsubscribe"] == "<https://comments.example.org/u/1>"
    assert text_of(mail).strip() == "Plain words."
    assert "<b>words</b>" in html_of(mail)


def test_outbox_mailer_keeps_the_message() -> None:
    outbox = OutboxMailer("Townhall <townhall@example.org>")
    outbox.send(MESSAGE)
    _check(outbox.sent[-1])


def test_smtp_mailer_delivers_to_a_real_server(mailbox: Mailbox) -> None:
    smtp = SmtpMailer(host="127.0.0.1", port=mailbox.port, sender="Townhall <townhall@example.org>")
    smtp.send(MESSAGE)
    _check(mailbox.last_to("reader@example.org"))
