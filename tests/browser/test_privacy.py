"""Privacy in the browser (#5): the demo page asks nothing of third parties and sets only
the session cookie; a reader downloads their data and deletes their account from the box,
by keyboard."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.support.axe import run_axe

pytestmark = pytest.mark.browser

BOX = "[data-townhall-thread]"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_demo_page_talks_only_to_townhall_and_sets_only_the_session_cookie(
    townhall, new_page, box, sign_up, post
):
    page = new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(townhall.url + "/")
    expect(box(page).get_by_text("Sign in or sign up to post comments")).to_be_visible()
    sign_up(page, "Private Reader", "private.reader@example.org")
    post(page, "Nobody but this server hears about this comment.")
    page.reload()
    expect(box(page).get_by_text("Signed in as Private Reader")).to_be_visible()
    page.wait_for_load_state("networkidle")

    outside = {u for u in asked if not u.startswith(("data:", "blob:"))}
    assert outside, "the page made no requests at all?"
    assert {_origin(u) for u in outside} == {townhall.url}, sorted(outside)
    # One cookie: the session, httponly and never readable by scripts, no tracking ids.
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == ["townhall_session"]
    assert cookies[0]["httpOnly"] is True
    assert page.evaluate("document.cookie") == ""


def test_a_reader_downloads_their_data_and_deletes_the_account_by_keyboard(
    townhall, new_page, box, sign_up, post
):
    started = time.monotonic()
    page = new_page(bypass_csp=True)  # lets axe-core in
    page.goto(townhall.url + "/")
    sign_up(page, "Leaving Reader", "leaving.reader@example.org")
    post(page, "A last word before I delete my account here.")
    comments = box(page)

    menu = comments.get_by_role("button", name="My account", exact=True)
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    download_button = comments.get_by_role("button", name="Download my data")
    expect(download_button).to_be_focused()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = download.value
    assert saved.suggested_filename.startswith("townhall-data-")
    data = json.loads(Path(saved.path()).read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "leaving.reader@example.org"
    assert [c["body"] for c in data["comments"]] == ["A last word before I delete my account here."]
    assert "password_hash" not in json.dumps(data)

    page.keyboard.press("Tab")
    expect(comments.get_by_role("button", name="Delete my account")).to_be_focused()
    page.keyboard.press("Enter")
    form = comments.get_by_role("form", name="Delete my account")
    expect(form).to_contain_text("cannot be undone")
    password = form.get_by_label("Password", exact=False)
    expect(password).to_be_focused()
    password.fill("not my password at all")
    page.keyboard.press("Enter")
    expect(form.get_by_role("alert")).to_contain_text("password is wrong")
    report = run_axe(page, "account menu with the deletion form and its error", BOX)
    assert not report.violations, report.summary()
    password.fill(PASSWORD)
    page.keyboard.press("Enter")

    expect(
        comments.get_by_role("status").filter(has_text="Your account is deleted.")
    ).to_be_visible()
    expect(comments.get_by_text("Sign in or sign up to post comments")).to_be_visible()
    last_word = comments.get_by_role("article").filter(has_text="A last word before")
    expect(last_word).to_contain_text("deleted user")
    assert page.context.cookies() == []
    # Aim: under 15 s (about 6 s idle, axe-core included); only a far slower run fails.
    assert time.monotonic() - started < 45
