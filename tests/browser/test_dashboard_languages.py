"""The dashboard in Ukrainian and Arabic, in Chromium (#9): the scripts speak the page's
language, counts take the language's plural form (Intl.PluralRules over the catalogue's
CLDR categories), Arabic lays out right to left, and axe finds nothing in either."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y import assert_clean
from tests.browser.test_dashboard import (  # noqa: F401 - fixtures shared with the dashboard story
    MODERATOR,
    moderator,
    server_env,
    sign_in_to_dashboard,
)
from tests.support.axe import run_axe
from tests.support.hostpage import PASSWORD, distinct_text, sign_up_by_api

pytestmark = pytest.mark.browser


def item(page, text):
    return page.locator(".items > li > .item", has_text=text)


@pytest.mark.usefixtures("moderator")
def test_a_ukrainian_moderator_approves_two_and_hears_it_in_ukrainian(townhall, api, new_page):
    first = sign_up_by_api(api, "Petro Mova")
    api("POST", "/comments", {"thread": "lang-uk", "body": distinct_text(60)}, first)
    token = api("POST", "/auth/signin", {"email": MODERATOR, "password": PASSWORD})["token"]
    api("PUT", "/moderation/threads/mode", {"thread": "lang-uk", "mode": "premoderated"}, token)
    for n, name in ((61, "Ivan Mova"), (62, "Oksana Mova")):
        held = api(
            "POST",
            "/comments",
            {"thread": "lang-uk", "body": distinct_text(n)},
            sign_up_by_api(api, name),
        )
        assert held["status"] == "pending"

    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in_to_dashboard(page, townhall)
    expect(page.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    page.goto(townhall.url + "/admin/queues/pending?lang=uk")
    expect(page.get_by_role("heading", level=1, name="Очікують")).to_be_visible()
    for n in (61, 62):
        item(page, distinct_text(n)).focus()
        page.keyboard.press("x")
    expect(page.locator("[data-selected-count]")).to_have_text("Вибрано 2.")
    reports = [run_axe(page, "dashboard in Ukrainian: two selected")]
    page.get_by_role("button", name="Схвалити вибрані").click()
    expect(page.locator("#status")).to_have_text("Схвалено 2 коментарі.")  # CLDR "few"

    page.goto(townhall.url + "/admin/threads?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1, name="المقالات")).to_be_visible()
    reports.append(run_axe(page, "dashboard in Arabic: stories"))
    page.goto(townhall.url + "/admin/queues/approved?lang=ar")
    reports.append(run_axe(page, "dashboard in Arabic: approved queue"))
    assert_clean(reports)
