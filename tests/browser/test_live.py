"""Live updates: one reader's comments, edits and deletions reach another reader's open page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NEW_COMMENTS = re.compile(r"new comments?$")


def test_a_second_reader_sees_comments_arrive_change_and_go(townhall, new_page, box, sign_up, post):
    reader = new_page()
    reader.goto(townhall.url + "/")
    watching = box(reader)
    expect(watching.get_by_text("Be the first to comment")).to_be_visible()

    writer = new_page()
    writer.goto(townhall.url + "/")
    writing = box(writer)
    sign_up(writer, "Live Writer", "live.writer@example.org")
    post(writer, "Breaking: the bridge is open again.")
    mine = writing.locator(".townhall__list > li > article")  # its text changes below

    # The reader is offered the comment rather than having the page jump under them.
    offer = watching.get_by_role("button", name="1 new comment", exact=True)
    expect(offer).to_be_visible()
    expect(watching.get_by_role("article")).to_have_count(0)
    expect(watching.get_by_role("status")).to_have_text("1 new comment")
    # The writer's own comment is on their page already, not offered a second time.
    expect(writing.get_by_role("button", name=NEW_COMMENTS)).to_have_count(0)
    expect(writing.get_by_role("article")).to_have_count(1)

    offer.click()
    seen = watching.locator(".townhall__list > li > article")
    expect(seen).to_contain_text("the bridge is open again")
    expect(seen).to_be_focused()
    expect(offer).to_be_hidden()
    expect(watching.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()

    # An edit changes the text in place.
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit your comment").fill("Update: the bridge is open to buses only.")
    mine.get_by_role("button", name="Save").click()
    expect(seen).to_contain_text("open to buses only")
    expect(seen).to_contain_text("(edited)")

    # A reply to a comment the reader has on screen goes straight in under it.
    mine.get_by_role("button", name="Reply").click()
    writing.get_by_label("Reply to Live Writer").fill("Cars from Monday, says the council.")
    writing.get_by_role("button", name="Post reply").click()
    reply = watching.locator(".townhall__replies article").filter(has_text="Cars from Monday")
    expect(reply).to_be_visible()
    expect(watching.get_by_role("heading", name="2 comments", exact=True)).to_be_visible()
    expect(watching.get_by_role("button", name=NEW_COMMENTS)).to_be_hidden()

    # Deleting takes the reply, then the comment, off the reader's page.
    own_reply = writing.get_by_role("article").filter(has_text="Cars from Monday")
    own_reply.get_by_role("button", name="Delete").click()
    own_reply.get_by_role("button", name="Yes, delete").click()
    expect(reply).to_have_count(0)
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Yes, delete").click()
    expect(watching.get_by_role("article")).to_have_count(0)
    expect(watching.get_by_role("heading", name="No comments yet")).to_be_visible()
