"""The dashboard speaks the staff member's language (#9): ``?lang=`` first, then
Accept-Language among the eight shipped languages, then the ``language`` setting."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.domain.services import Services


@pytest.fixture
def moderator(make_reader: Any, services: Services) -> Reader:
    return promote(services, make_reader("Mod"))


def _catalogue(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="dashboard-i18n">(.*?)</script>', html)
    assert found is not None
    result: dict[str, str] = json.loads(found.group(1))
    return result


def test_lang_parameter_shows_ukrainian(moderator: Reader) -> None:
    page = moderator.http.get("/admin/queues/pending", params={"lang": "uk"}).text
    assert '<html lang="uk" dir="ltr">' in page
    assert "Затримані конвеєром" in page and "Журнал дій" in page
    assert _catalogue(page)["Cancel"] == "Скасувати"


def test_accept_language_picks_the_language(moderator: Reader) -> None:
    headers = {"Accept-Language": "fr-CH, de;q=0.8"}
    page = moderator.http.get("/admin/queues/pending", headers=headers).text
    assert '<html lang="fr" dir="ltr">' in page and "Se déconnecter" in page


def test_arabic_is_right_to_left(moderator: Reader, anonymous: Reader) -> None:
    page = moderator.http.get("/admin/queues/pending", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الخروج" in page
    signin = anonymous.http.get("/admin/signin", params={"lang": "ar"}).text
    assert 'dir="rtl"' in signin and "سجّل الدخول للإشراف" in signin


def test_english_stays_the_default(moderator: Reader) -> None:
    page = moderator.http.get("/admin/queues/pending", headers={"Accept-Language": "zh"}).text
    assert '<html lang="en" dir="ltr">' in page and "Held by the pipeline" in page
    assert _catalogue(page)["Cancel"] == "Cancel"
