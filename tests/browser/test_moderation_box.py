"""What readers see of moderators' actions in the comment box (#3): a featured comment leads
with a "Featured" badge, a moderator's edit shows its note, and "Report illegal content"
opens the notice form, which a reader who is not signed in fills in and sends."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import call_api
from tests.browser.test_a11y import assert_clean
from tests.support.axe import run_axe
from tests.support.hostpage import PASSWORD, distinct_text, open_host_page, sign_up_by_api

pytestmark = pytest.mark.browser

MODERATOR = "curator@example.org"


@pytest.fixture(scope="module")
def moderator_token(townhall) -> str:
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "create", MODERATOR, "--moderator"]
    command += ["--password", PASSWORD, "--name", "Curator"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    signin = {"email": MODERATOR, "password": PASSWORD}
    return call_api(townhall, "POST", "/auth/signin", signin)["token"]


def test_featured_badge_moderator_note_and_the_notice_form(
    townhall, api, moderator_token, new_page, box
):
    writer = sign_up_by_api(api, "Wanda Writer")
    older = api("POST", "/comments", {"thread": "mod-box", "body": distinct_text(21)}, writer)
    api("POST", "/comments", {"thread": "mod-box", "body": distinct_text(22)}, writer)
    edited = api("POST", "/comments", {"thread": "mod-box", "body": distinct_text(23)}, writer)
    api("PUT", f"/moderation/comments/{older['id']}/featured", {"featured": True}, moderator_token)
    change = {"body": "Call the harbour office.", "note": "Removed a phone number."}
    api("PATCH", f"/moderation/comments/{edited['id']}", change, moderator_token)

    reader = new_page(bypass_csp=True)  # for axe's inline script
    open_host_page(reader, townhall.url, "mod-box")
    comments = box(reader)
    articles = comments.get_by_role("article")
    expect(articles).to_have_count(3)
    expect(articles.first).to_contain_text("Featured")
    expect(articles.first).to_contain_text(older["body"])
    note = comments.get_by_text("Edited by a moderator: Removed a phone number.")
    expect(note).to_be_visible()
    assert_clean([run_axe(reader, "box: featured and edited comments", "[data-townhall-thread]")])

    link = articles.first.get_by_role("link", name="Report illegal content")
    with reader.expect_popup() as opened:
        link.click()
    form = opened.value
    expect(form.get_by_role("heading", level=1, name="Report illegal content")).to_be_visible()
    assert_clean([run_axe(form, "notice form", "main")])
    form.get_by_label("Kind of illegal content").select_option("defamation")
    form.get_by_label("Why is it illegal?").fill("It accuses a named official of a crime falsely.")
    form.get_by_label("Your name").fill("Nadia Reporter")
    form.get_by_label("Your email address").fill("nadia@example.org")
    form.get_by_label("I believe in good faith").check()
    form.get_by_role("button", name="Send the notice").click()
    expect(form.get_by_role("status")).to_contain_text("Your notice has number")

    listed = api("GET", "/moderation/notices", None, moderator_token)["notices"]
    assert [(n["comment_id"], n["reporter_name"]) for n in listed] == [
        (older["id"], "Nadia Reporter")
    ]


def test_a_moderator_decides_a_notice_and_features_from_the_dashboard(
    townhall, api, moderator_token, new_page
):
    writer = sign_up_by_api(api, "Walter Writer")
    comment = api("POST", "/comments", {"thread": "mod-desk", "body": distinct_text(31)}, writer)
    notice = {
        "category": "threats",
        "explanation": "It threatens the reporter by name, which is a crime here.",
        "reporter_name": "Nils Reporter",
        "reporter_email": "nils@example.org",
        "good_faith": True,
    }
    api("POST", f"/comments/{comment['id']}/notices", notice)

    desk = new_page()
    desk.goto(townhall.url + "/dashboard")
    desk.get_by_label("Email").fill(MODERATOR)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.get_by_role("link", name="Held by the pipeline").click()
    expect(desk.get_by_role("heading", level=1, name="Held by the pipeline")).to_be_visible()
    desk.get_by_role("link", name="Illegal-content notices").click()
    item = desk.locator(".item").filter(has_text=comment["body"])
    expect(item).to_contain_text("Notice")
    expect(item).to_contain_text("Nils Reporter")

    featured = item.get_by_role("button", name="Featured")
    expect(featured).to_have_attribute("aria-pressed", "false")
    featured.click()
    expect(featured).to_have_attribute("aria-pressed", "true")

    decision = item.get_by_role("form", name=re.compile("^Decide notice"))
    decision.get_by_label("Keep it").check()
    reasons = "Sharp words, but no threat: the law on threats needs one."
    decision.get_by_label(re.compile("^Statement of reasons")).fill(reasons)
    decision.get_by_role("button", name="Decide and send").click()
    expect(item.get_by_text("Decided (keep); the statement was mailed.")).to_be_visible()
    decided = api("GET", "/moderation/notices?state=decided", None, moderator_token)["notices"]
    assert (decided[0]["decision"], decided[0]["statement"]) == ("keep", reasons)
    page = api("GET", "/comments?thread=mod-desk")
    assert page["comments"][0]["featured"] is True
