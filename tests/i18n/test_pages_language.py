"""Every dashboard page, the mailed-link pages and the illegal-content notice page speak the
visitor's language (#9): each page family asked with ?lang=uk shows Ukrainian and none of
the English messages of the catalogue; Arabic lays out right to left."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.domain.services import Services
from townhall.i18n import LOCALE_DIR, translations

MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d")


def _english_messages() -> list[str]:
    """The catalogue's English sentences long enough not to be a name or a code."""
    with (LOCALE_DIR / "townhall.pot").open("rb") as handle:
        template = read_po(handle)
    found = []
    for message in template:
        text = message.id[0] if isinstance(message.id, tuple) else message.id
        # Codes such as "clear-standing" (English shows the stored code) have no space.
        if len(text) >= 14 and " " in text and "%(" not in text and "\n" not in text:
            found.append(text)
    return found


ENGLISH = _english_messages()


def english_left(page: str, lang: str) -> list[str]:
    """English messages the page still shows: its text and attributes, not its scripts
    (the scripts' catalogue is keyed by the English)."""
    shown = html.unescape(re.sub(r"<script.*?</script>", " ", page, flags=re.S))
    catalogue = translations(lang)
    return [text for text in ENGLISH if text in shown and catalogue.gettext(text) != text]


def catalogue_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dashboard-i18n">(.*?)</script>', page)
    assert found is not None
    result: dict[str, Any] = json.loads(found.group(1))
    return result


@pytest.fixture
def desk(make_reader: Any, services: Services) -> dict[str, Any]:
    """An admin, a reader with a held reply, a reported comment, a warned user, a note."""
    admin = promote(services, make_reader("Chief"), "admin")
    ana, troll = make_reader("Ana"), make_reader("Troll")
    root = ana.post("The ferry timetable changes on Monday.", thread="ferry")
    posted = [
        troll.post(text, thread="ferry")
        for text in ("Ferries are fine.", "I took one yesterday.", "Monday is too soon.")
    ]
    report = {"reason": "spam", "text": "Same words again"}
    for reporter in (ana, make_reader("Bo"), make_reader("Cy")):  # the queue's threshold: 3
        reported = reporter.http.post(f"/api/v1/comments/{posted[0]['id']}/reports", json=report)
        assert reported.status_code == 201
    mode = {"thread": "ferry", "mode": "premoderated"}
    assert admin.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    held = troll.post("Not on Sundays.", thread="ferry", parent_id=root["id"])
    assert held["status"] == "pending"
    troll_id = troll.user["id"]  # type: ignore[index]
    standing = {"state": "warned", "reason": "Tone"}
    admin.http.put(f"/api/v1/moderation/users/{troll_id}/standing", json=standing)
    admin.http.post(f"/api/v1/moderation/users/{troll_id}/notes", json={"text": "Sock puppet?"})
    return {"admin": admin, "troll_id": troll_id, "root": root}


DASHBOARD_PAGES = [
    ("/admin/queues/pending", "Схвалити вибрані"),
    ("/admin/queues/reported", "відкриті скарги"),
    ("/admin/queues/clusters", "Тут порожньо. Чудова робота."),
    ("/admin/search?text=Monday", "Знайдені коментарі"),
    ("/admin/users", "Змінити статус користувача"),
    ("/admin/users/{troll}", "Нотатки модераторів"),
    ("/admin/threads", "4 коментарі"),
    ("/admin/audit", "Дії модерації, найновіші спершу"),
    ("/admin/sites", "Налаштування модерації та списки слів"),
    ("/admin/sites/default", "Заборонені слова (відхиляються)"),
    ("/admin/export", "Завантажити експорт"),
]


@pytest.mark.parametrize(("path", "ukrainian"), DASHBOARD_PAGES)
def test_each_dashboard_page_in_ukrainian(desk: dict[str, Any], path: str, ukrainian: str) -> None:
    address = path.format(troll=desk["troll_id"])
    page = desk["admin"].http.get(address + ("&" if "?" in address else "?") + "lang=uk")
    assert page.status_code == 200
    assert '<html lang="uk" dir="ltr">' in page.text
    assert ukrainian in page.text
    assert english_left(page.text, "uk") == []
    assert MONTHS.search(page.text) is None  # dates are written the Ukrainian way


def test_queue_item_details_are_translated(desk: dict[str, Any]) -> None:
    page = desk["admin"].http.get("/admin/queues/pending", params={"lang": "uk"}).text
    assert "Контекст: матеріал, коментар, на який це відповідь, історія Troll" in page
    assert ">очікує<" in page and ">попереджено<" in page  # status and standing by code
    # Dates as Ukrainian writes them: "1 груд. 2026 р., 14:30 UTC" (a narrow space before р.)
    assert re.search(r"\d{1,2} \w+\. \d{4}\sр\., \d{1,2}:\d{2} UTC", page)
    reported = desk["admin"].http.get("/admin/queues/reported", params={"lang": "uk"}).text
    assert "3 відкриті скарги" in reported and ">Спам<" in reported


def test_plural_counts_follow_cldr_in_the_pages_and_the_scripts(desk: dict[str, Any]) -> None:
    threads = desk["admin"].http.get("/admin/threads", params={"lang": "pl"}).text
    assert "4 komentarze" in threads
    scripts = catalogue_of(desk["admin"].http.get("/admin/queues/pending?lang=uk").text)
    selected = scripts["Approved %(num)s comment."]
    assert set(selected) == {"one", "few", "many"}
    assert selected["few"] == "Схвалено %(num)s коментарі."
    assert scripts["Cancel"] == "Скасувати" and scripts["mode:closed"] == "закрито"
    arabic = catalogue_of(desk["admin"].http.get("/admin/queues/pending?lang=ar").text)
    tags = {"zero", "one", "two", "few", "many", "other"}
    assert set(arabic["the group of %(num)s comment"]) == tags


def test_problem_details_on_dashboard_pages_are_translated(desk: dict[str, Any]) -> None:
    missing = desk["admin"].http.get("/admin/sites/nowhere", params={"lang": "uk"})
    assert missing.status_code == 404
    assert "<h1>Не знайдено</h1>" in missing.text
    assert "Сайту «nowhere» на цьому сервері немає." in missing.text
    wrong = desk["admin"].http.get("/admin/search", params={"since": "last week", "lang": "de"})
    assert "„since“ muss ein Datum wie 2026-03-01" in wrong.text


def test_arabic_dashboard_pages_are_right_to_left(desk: dict[str, Any]) -> None:
    for path in ("/admin/threads", "/admin/users", "/admin/sites/default"):
        page = desk["admin"].http.get(path, headers={"Accept-Language": "ar"}).text
        assert '<html lang="ar" dir="rtl">' in page
        assert english_left(page, "ar") == []
    assert "حفظ الوضع" in desk["admin"].http.get("/admin/threads?lang=ar").text


def test_mailed_link_pages_speak_the_readers_language(anonymous: Reader) -> None:
    page = anonymous.http.get("/auth/reset", params={"token": "abc", "lang": "uk"})
    assert '<html lang="uk" dir="ltr">' in page.text and "Зберегти новий пароль" in page.text
    assert 'action="/auth/reset?lang=uk"' in page.text
    assert english_left(page.text, "uk") == []
    refused = anonymous.http.post("/auth/magic?lang=uk", data={"token": "not-a-token"})
    assert refused.status_code == 400
    assert "<h1>Посилання недійсне</h1>" in refused.text
    assert "Це посилання недійсне; скопіюйте з листа всю адресу." in refused.text
    assert "Попросіть нове посилання для входу." in refused.text
    arabic = anonymous.http.get("/auth/verify", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and english_left(arabic, "ar") == []


def test_notice_page_speaks_the_readers_language(make_reader: Any, anonymous: Reader) -> None:
    comment = make_reader("Jan").post("The mayor took bribes.")
    page = anonymous.http.get("/notices/new", params={"comment": comment["id"], "lang": "uk"})
    assert page.status_code == 200 and "Чому це незаконно?" in page.text
    assert "<em>Поскаржитися</em>" in page.text
    assert english_left(page.text, "uk") == []
    form = {
        "comment": str(comment["id"]),
        "category": "defamation",
        "explanation": "He names a person and a crime without any proof at all.",
        "reporter_name": "Marta",
        "reporter_email": "marta@example.org",
    }
    refused = anonymous.http.post("/notices/new?lang=uk", data=form)
    assert refused.status_code == 422
    assert "Підтвердьте, що ви добросовісно вважаєте повідомлення точним і повним." in refused.text
    sent = anonymous.http.post("/notices/new?lang=uk", data=form | {"good_faith": "yes"})
    assert sent.status_code == 200 and "Повідомлення отримано" in sent.text
    arabic = anonymous.http.get(
        "/notices/new", params={"comment": comment["id"]}, headers={"Accept-Language": "ar"}
    ).text
    assert '<html lang="ar" dir="rtl">' in arabic and "لماذا هو غير قانوني؟" in arabic
    assert english_left(arabic, "ar") == []
