"""The Edit button lasts as long as the server's edit window, and not longer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server_env():
    return {"TOWNHALL_EDIT_WINDOW_SECONDS": "3"}


def test_edit_button_goes_when_the_window_closes(townhall, new_page, sign_up, post):
    page = new_page()
    page.goto(townhall.url + "/")
    sign_up(page, "Quick Editor", "quick@example.org")
    article = post(page, "Edit me while you can.")
    edit = article.get_by_role("button", name="Edit")
    expect(edit).to_be_visible()
    expect(edit).to_have_count(0, timeout=8_000)
    expect(article.get_by_role("button", name="Delete")).to_be_visible()

    page.reload()
    expect(article).to_be_visible()
    expect(article.get_by_role("button", name="Edit")).to_have_count(0)
