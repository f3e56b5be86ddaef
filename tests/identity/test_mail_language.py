"""Mail goes out in the language of the reader who asked for it (#9): the request's
Accept-Language among the shipped languages, else the ``language`` setting."""

from __future__ import annotations

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, html_of, text_of


def _signup(reader: Reader, email: str, accept_language: str | None) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = reader.http.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": "correct horse", "name": "Olena"},
        headers=headers,
    )
    assert response.status_code == 201, response.text


def test_a_german_reader_gets_a_german_mail(anonymous: Reader, mailbox: Mailbox) -> None:
    _signup(anonymous, "olena@example.org", "de-DE,de;q=0.9,en;q=0.5")
    mail = mailbox.last_to("olena@example.org")
    assert mail["Subject"] == "Bestätigen Sie Ihre E-Mail-Adresse"
    assert "Hallo Olena" in text_of(mail)
    assert "Minuten gültig" in text_of(mail)
    assert '<html lang="de" dir="ltr">' in html_of(mail)


def test_an_arabic_mail_is_right_to_left(anonymous: Reader, mailbox: Mailbox) -> None:
    _signup(anonymous, "samira@example.org", "ar")
    mail = mailbox.last_to("samira@example.org")
    assert mail["Subject"] == "أكّد عنوان بريدك الإلكتروني"
    assert '<html lang="ar" dir="rtl">' in html_of(mail)


def test_an_unshipped_language_falls_back_to_the_setting(
    anonymous: Reader, mailbox: Mailbox
) -> None:
    _signup(anonymous, "li@example.org", "zh-CN")
    assert mailbox.last_to("li@example.org")["Subject"] == "Confirm your email address"
