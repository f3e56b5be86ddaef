"""The ``Mailer`` interface and its two implementations: SMTP for real, an outbox in memory
for development and tests. Both take the same ``Message``."""

from __future__ import annotations

import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from townhall.settings import Settings


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def as_email(self, sender: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = self.to
        mail["Subject"] = self.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
        for name, value in self.headers.items():
            mail[name] = value
        mail.set_content(self.text)
        mail.add_alternative(self.html, subtype="html")
        return mail


class Mailer(Protocol):
    def send(self, message: Message) -> None: ...


class OutboxMailer:
    """Keeps every message in memory, newest last. For development and tests."""

    def __init__(self, sender: str = "Townhall <townhall@localhost>") -> None:
        self.sender = sender
        self.sent: list[EmailMessage] = []
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.sent.append(message.as_email(self.sender))


class SmtpMailer:
    """One SMTP connection per message: mail is rare (sign-up, reset, a batched reply
    notice), so a pool would only add failure modes."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        security: str = "off",
        timeout: float = 20.0,
    ) -> None:
        if security not in ("off", "starttls", "tls"):
            raise ValueError(f"smtp_security must be off, starttls or tls, not {security!r}")
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.security, self.timeout = security, timeout

    def send(self, message: Message) -> None:
        mail = message.as_email(self.sender)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)


def build_mailer(settings: Settings) -> Mailer:
    if settings.mailer == "smtp":
        return SmtpMailer(
            host=str(settings.smtp_host),
            port=int(settings.smtp_port),
            sender=str(settings.mail_from),
            username=str(settings.smtp_username),
            password=str(settings.smtp_password),
            security=str(settings.smtp_security),
        )
    if settings.mailer == "outbox":
        return OutboxMailer(str(settings.mail_from))
    raise ValueError(f"mailer must be smtp or outbox, not {settings.mailer!r}")
