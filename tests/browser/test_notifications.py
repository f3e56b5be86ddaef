"""Reply notifications in the comment box (#5): reader A hears that reader B answered, opens
the list, follows the link to the reply, and finds both on the "my comments" page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.axe import run_axe

pytestmark = pytest.mark.browser


def test_a_reader_sees_a_reply_in_the_box_and_on_the_my_comments_page(
    townhall, new_page, box, sign_up, post
):
    alice_page = new_page(bypass_csp=True)  # lets the axe script in
    alice_page.goto(townhall.url + "/")
    alice = box(alice_page)
    sign_up(alice_page, "Alice Reader", "alice.notes@example.org")
    bell = alice.get_by_role("button", name="Notifications (0)")
    expect(bell).to_have_attribute("aria-expanded", "false")
    mine = post(alice_page, "The new timetable starts on Monday.")

    bob_page = new_page()
    bob_page.goto(townhall.url + "/")
    bob = box(bob_page)
    sign_up(bob_page, "Bob Reader", "bob.notes@example.org")
    theirs = bob.get_by_role("article").filter(has_text="The new timetable")
    theirs.get_by_role("button", name="Reply").click()
    bob.get_by_label("Reply to Alice Reader").fill("Only for the day trains, I think.")
    bob.get_by_role("button", name="Post reply").click()
    expect(bob.get_by_role("article").filter(has_text="Only for the day trains")).to_be_visible()

    # The reply arrives live under Alice's comment, and her count goes up.
    bell = alice.get_by_role("button", name="Notifications (1)")
    expect(bell).to_be_visible()
    bell.focus()
    alice_page.keyboard.press("Enter")  # reachable and usable from the keyboard
    expect(bell).to_have_attribute("aria-expanded", "true")
    notes = alice.get_by_role("list", name="Replies to you")
    item = notes.get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Bob Reader replied on")
    expect(item).to_contain_text("Only for the day trains, I think.")
    expect(item.locator("time")).to_have_text("just now")
    opened = run_axe(alice_page, "notifications open", "[data-townhall-thread]")
    assert opened.violations == [], opened.violations

    # Following the link shows the reply and marks the notification read.
    item.get_by_role("link").click()
    reply = alice.get_by_role("article").filter(has_text="Only for the day trains")
    expect(reply).to_be_focused()
    assert "#townhall-comment-" in alice_page.url
    expect(alice.get_by_role("button", name="Notifications (0)")).to_be_visible()
    expect(mine).to_be_visible()

    # The "my comments and replies" page on the server's own origin.
    alice_page.goto(townhall.url + "/me")
    expect(alice_page.get_by_role("heading", name="My comments and replies")).to_be_visible()
    entry = alice_page.get_by_role("listitem").filter(
        has_text="The new timetable starts on Monday."
    )
    expect(entry).to_contain_text("Published")
    expect(entry.get_by_role("list", name="Replies")).to_contain_text("Only for the day trains")
    expect(entry).to_contain_text("Bob Reader")
    page_report = run_axe(alice_page, "my comments page")
    assert page_report.violations == [], page_report.violations
