"""The nudge before the hold in the comment box (#3): the reader reads why above the text
field, revises and the comment posts; or sends it again as it is and it waits for a
moderator, marked "Awaiting moderation" for its author and invisible to others."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y import assert_clean
from tests.support.axe import run_axe

pytestmark = pytest.mark.browser

ABUSE = "You are a fucking idiot, the whole article is shit."


def nudge_first(page, box, text: str):
    comments = box(page)
    comments.get_by_label("Your comment", exact=True).fill(text)
    comments.get_by_role("button", name="Post comment").click()
    nudge = comments.get_by_role("alert").filter(has_text="please look at your comment again")
    expect(nudge).to_be_visible()
    expect(nudge).to_contain_text("It may read as abusive.")
    expect(nudge).to_contain_text("It contains a word this site reviews or does not publish.")
    # The reasons sit above the text field, which keeps the reader's words.
    field = comments.get_by_label("Your comment", exact=True)
    assert nudge.bounding_box()["y"] < field.bounding_box()["y"]
    expect(field).to_have_value(text)
    expect(comments.get_by_role("article")).to_have_count(0)
    return comments


def test_a_nudged_reader_revises_and_the_comment_posts(townhall, new_page, box, sign_up, api):
    from tests.support.hostpage import open_host_page

    page = new_page(bypass_csp=True)  # for axe's inline script
    open_host_page(page, townhall.url, "nudge-revise")
    sign_up(page, "Nina Revises", "nina@example.org")
    comments = nudge_first(page, box, ABUSE)
    assert_clean([run_axe(page, "box: a nudge", "[data-townhall-thread]")])

    revised = "I think the article gets the numbers wrong; please check the budget table."
    comments.get_by_label("Your comment", exact=True).fill(revised)
    comments.get_by_role("button", name="Send again").click()
    article = comments.get_by_role("article").filter(has_text=revised)
    expect(article).to_be_visible()
    expect(article).not_to_contain_text("Awaiting moderation")
    expect(comments.get_by_text("please look at your comment again")).to_be_hidden()
    expect(comments.get_by_role("button", name="Post comment")).to_be_visible()
    page_for_all = api("GET", "/comments?thread=nudge-revise")
    assert [c["html"] for c in page_for_all["comments"]] == [f"<p>{revised}</p>"]


def test_a_reader_who_insists_waits_for_a_moderator(townhall, new_page, box, sign_up, api):
    from tests.support.hostpage import open_host_page

    page = new_page()
    open_host_page(page, townhall.url, "nudge-insist")
    sign_up(page, "Ihor Insists", "ihor@example.org")
    comments = nudge_first(page, box, ABUSE + " And I stand by it.")

    comments.get_by_role("button", name="Send again").click()
    article = comments.get_by_role("article").filter(has_text="I stand by it")
    expect(article).to_be_visible()
    expect(article).to_contain_text("Awaiting moderation")
    others = api("GET", "/comments?thread=nudge-insist")
    assert others["comments"] == [] and others["thread"]["comment_count"] == 0
