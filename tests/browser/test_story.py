"""The whole story of a thread on the demo article, as two readers live it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


def test_two_readers_discuss_the_demo_article(
    townhall, restart_townhall, new_page, box, sign_up, post
):
    olena = new_page()
    olena.goto(townhall.url + "/")
    olena_box = box(olena)
    expect(olena_box.get_by_role("heading", name="No comments yet")).to_be_visible()
    expect(olena_box.get_by_text("Sign in or sign up to post comments")).to_be_visible()
    expect(olena_box.get_by_text("Be the first to comment")).to_be_visible()

    # The first reader signs up in the box and posts the first comment, with a typo.
    sign_up(olena, "Olena Kovalenko", "olena@example.org")
    first = post(olena, "Thnak you for this report from the bridge.")
    expect(first).to_be_focused()
    expect(olena_box.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()
    expect(olena_box.get_by_text("Be the first to comment")).to_be_hidden()
    expect(first.locator("time")).to_have_text("just now")
    expect(first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\d"))

    # A second reader, in another browser context, signs up, replies and reacts.
    marek = new_page()
    marek.goto(townhall.url + "/")
    marek_box = box(marek)
    expect(marek_box.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()
    sign_up(marek, "Marek Nowak", "marek@example.org")
    olenas = marek_box.get_by_role("article", name="Olena Kovalenko")
    expect(olenas.get_by_role("button", name="Edit")).to_have_count(0)
    olenas.get_by_role("button", name="Reply").click()
    reply_box = marek_box.get_by_label("Reply to Olena Kovalenko")
    expect(reply_box).to_be_focused()
    reply_box.fill("The crew deserves a proper survey, not a collection jar.")
    marek_box.get_by_role("button", name="Post reply").click()
    reply = marek_box.get_by_role("article", name="Marek Nowak")
    expect(reply).to_contain_text("not a collection jar")
    expect(reply).to_be_focused()
    expect(marek_box.get_by_role("heading", name="2 comments")).to_be_visible()

    like = olenas.get_by_role("button", name=re.compile("^Like"))
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_text(re.compile(r"Like\s+1$"))

    # The first reader fixes the typo within the edit window.
    olena.reload()
    mine = olena_box.get_by_role("article", name="Olena Kovalenko")
    mine.get_by_role("button", name="Edit").click()
    editor = olena_box.get_by_label("Edit your comment")
    expect(editor).to_have_value("Thnak you for this report from the bridge.")
    editor.fill("Thank you for this report from the bridge.")
    olena_box.get_by_role("button", name="Save").click()
    expect(mine).to_contain_text("Thank you for this report")
    expect(mine.get_by_text("(edited)")).to_be_visible()
    expect(mine).to_be_focused()
    expect(olena_box.get_by_role("article", name="Marek Nowak")).to_be_visible()
    expect(mine.get_by_role("button", name=re.compile("^Like"))).to_have_text(
        re.compile(r"Like\s+1$")
    )

    olena.locator("#comments").scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    olena.screenshot(path=str(SCREENSHOT), full_page=True)

    # The second reader deletes their reply; the box asks first.
    marek.reload()
    reply = marek_box.get_by_role("article", name="Marek Nowak")
    reply.get_by_role("button", name="Delete").click()
    reply.get_by_role("button", name="Yes, delete").click()
    expect(reply).to_have_count(0)
    expect(marek_box.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()

    # Everything survives a restart of the server.
    restart_townhall()
    olena.reload()
    mine = olena_box.get_by_role("article", name="Olena Kovalenko")
    expect(olena_box.get_by_text("Signed in as Olena Kovalenko")).to_be_visible()
    expect(olena_box.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()
    expect(mine).to_contain_text("Thank you for this report from the bridge.")
    expect(mine.get_by_text("(edited)")).to_be_visible()
    expect(mine.get_by_role("button", name=re.compile("^Like"))).to_have_text(
        re.compile(r"Like\s+1$")
    )
    expect(olena_box.get_by_role("article", name="Marek Nowak")).to_have_count(0)


def test_reply_cancel_returns_focus_and_signed_out_readers_see_forms(
    townhall, new_page, box, sign_up, post
):
    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    sign_up(page, "Ines Duarte", "ines@example.org")
    article = post(page, "A question for the editor about the survey.")

    reply_button = article.get_by_role("button", name="Reply")
    reply_button.click()
    expect(comments.get_by_label("Reply to Ines Duarte")).to_be_focused()
    comments.get_by_role("button", name="Cancel").click()
    expect(comments.get_by_label("Reply to Ines Duarte")).to_have_count(0)
    expect(reply_button).to_be_focused()

    comments.get_by_role("button", name="Sign out").click()
    expect(comments.get_by_text("Sign in or sign up to post comments")).to_be_visible()
    expect(comments.get_by_label("Your comment", exact=True)).to_have_count(0)

    # A wrong password is answered in an alert next to the form, with the server's words.
    comments.get_by_role("button", name="Sign in", exact=True).first.click()
    form = comments.get_by_role("form", name="Sign in")
    form.get_by_label("Email", exact=True).fill("ines@example.org")
    form.get_by_label("Password", exact=True).fill("not the password")
    form.get_by_role("button", name="Sign in").click()
    expect(form.get_by_role("alert")).not_to_be_empty()

    form.get_by_label("Password", exact=True).fill("correct horse battery staple")
    form.get_by_role("button", name="Sign in").click()
    expect(comments.get_by_text("Signed in as Ines Duarte")).to_be_visible()
    expect(comments.get_by_label("Your comment", exact=True)).to_be_focused()


def test_sort_selector_orders_comments(townhall, new_page, box, sign_up, post):
    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    sign_up(page, "Sort Tester", "sort@example.org")
    post(page, "Sorting check: older comment")
    post(page, "Sorting check: newer comment")
    bodies = comments.locator(".townhall__list > li > article")

    expect(bodies.first).to_contain_text("newer comment")
    comments.get_by_label("Sort by").select_option("oldest")
    expect(bodies.filter(has_text="Sorting check").first).to_contain_text("older comment")
    comments.get_by_label("Sort by").select_option("newest")
    expect(bodies.first).to_contain_text("newer comment")


def test_a_keyboard_only_reader_signs_up_posts_and_reacts(townhall, new_page, box):
    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    comments.get_by_role("button", name="Sign up", exact=True).focus()
    page.keyboard.press("Enter")
    form = comments.get_by_role("form", name="Sign up")
    expect(form.get_by_label("Email", exact=True)).to_be_focused()
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Enter")
    expect(comments.get_by_text("Signed in as Kim Keys")).to_be_visible()

    composer = comments.get_by_label("Your comment", exact=True)
    expect(composer).to_be_focused()
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(comments.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")
    article = comments.get_by_role("article").filter(has_text="Typed without a mouse.")
    expect(article).to_be_focused()

    page.keyboard.press("Tab")
    like = article.get_by_role("button", name=re.compile("^Like"))
    expect(like).to_be_focused()
    outline = like.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", "the focused button shows no focus outline"
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
