"""Hostile comments and names show as text: nothing runs, nothing loads from elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EVIL_NAME = "<img src=x onerror=alert(1)>"
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=javascript:alert(1)></iframe>",
]


def test_script_payloads_stay_inert(townhall, new_page, box, sign_up):
    page = new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))

    page.goto(townhall.url + "/")
    comments = box(page)
    sign_up(page, EVIL_NAME, "mallory@example.org")
    expect(comments.get_by_text(f"Signed in as {EVIL_NAME}", exact=True)).to_be_visible()

    for payload in PAYLOADS:
        comments.get_by_label("Your comment", exact=True).fill(payload)
        comments.get_by_role("button", name="Post comment").click()
        expect(comments.get_by_label("Your comment", exact=True)).to_have_value("")
    expect(comments.get_by_role("heading", name=f"{len(PAYLOADS)} comments")).to_be_visible()

    # Reload so every comment is rendered from the list answer too, not only from the POST one.
    page.reload()
    articles = comments.get_by_role("article")
    expect(articles).to_have_count(len(PAYLOADS))
    bodies = comments.locator(".townhall__body")
    for payload in PAYLOADS:
        expect(bodies.get_by_text(payload, exact=True)).to_be_visible()
    expect(comments.locator(".townhall__author").first).to_have_text(EVIL_NAME)

    for dangerous in ["img", "script", "svg", "iframe", "[onerror]", "[onload]"]:
        expect(bodies.locator(dangerous)).to_have_count(0)
    expect(comments.locator('a[href^="javascript:" i]')).to_have_count(0)
    expect(page.locator("img")).to_have_count(0)

    # Nothing fired and nothing went anywhere but the Townhall server.
    articles.first.get_by_role("button", name="Reply").click()
    assert dialogs == []
    foreign = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert foreign == []
