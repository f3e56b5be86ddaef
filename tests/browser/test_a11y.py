"""Accessibility, checked by axe-core (WCAG 2.2 A and AA rules) in the real browser: the
comment box in every state a reader meets, in light and dark, left-to-right and Arabic,
and every moderator dashboard page."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import call_api
from tests.support.axe import AxeReport, run_axe
from tests.support.figures import record_figure
from tests.support.hostpage import (
    PASSWORD,
    distinct_text,
    open_host_page,
    post_by_api,
    sign_up_by_api,
)

pytestmark = pytest.mark.browser

BOX = "[data-townhall-thread]"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    # Small pages: "Load more" and "Show more replies" appear after a handful of comments.
    return {
        "TOWNHALL_RATE_LIMITS_ENABLED": "false",
        "TOWNHALL_PAGE_SIZE": "5",
        "TOWNHALL_REPLIES_PAGE_SIZE": "5",
    }


def assert_clean(reports: list[AxeReport]) -> None:
    total = sum(len(r.violations) for r in reports)
    rules = set().union(*(r.rules for r in reports))
    record_figure(
        f"axe total: {len(reports)} runs, {len(rules)} distinct rules checked, {total} violations"
    )
    assert total == 0, "\n".join(r.summary() for r in reports if r.violations)


LONG = "a11y-long"


@pytest.fixture(scope="module")
def long_thread(townhall) -> str:
    """Two pages of comments, a page of replies with more to load, a deep chain, a deletion."""

    def api(method, path, body=None, token=None):
        return call_api(townhall, method, path, body, token)

    ana = sign_up_by_api(api, "Ana Long")
    ben = sign_up_by_api(api, "Ben Long")
    first = warm_up_post(
        townhall, ana, LONG, "The **first** comment, with a [link](https://example.org)."
    )
    for n in range(7):
        post_by_api(api, ben if n % 2 else ana, LONG, distinct_text(n) + "\n\n> quoted `code`")
    for n in range(7):
        post_by_api(api, ben, LONG, distinct_text(100 + n), parent_id=first["id"])
    parent = first
    for depth in range(5):
        parent = post_by_api(
            api, ana if depth % 2 else ben, LONG, distinct_text(200 + depth), parent["id"]
        )
    gone = post_by_api(api, ben, LONG, distinct_text(300))
    post_by_api(api, ana, LONG, distinct_text(301), parent_id=gone["id"])
    api("DELETE", f"/comments/{gone['id']}", token=ben)
    api("PUT", f"/comments/{first['id']}/reaction", token=ben)
    return LONG


def warm_up_post(townhall, token: str, thread: str, body: str) -> dict:
    """The server's first comment may load moderation's model: allow it a minute."""
    request = urllib.request.Request(  # noqa: S310 - loopback only
        townhall.url + "/api/v1/comments",
        data=json.dumps({"thread": thread, "body": body}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": townhall.url,
            "Authorization": f"Bearer {token}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_comment_box_in_every_state_has_no_violations(
    townhall, api, new_page, box, scheme, long_thread
):
    thread = f"a11y-{scheme}"
    api(
        "POST",
        "/auth/signup",
        {"email": f"reader-{scheme}@example.org", "password": PASSWORD, "name": f"Reader {scheme}"},
    )
    page = new_page(color_scheme=scheme, bypass_csp=True, reduced_motion="reduce")
    reports = []

    open_host_page(page, townhall.url, thread)
    comments = box(page)
    expect(comments.get_by_text("Be the first to comment")).to_be_visible()
    reports.append(run_axe(page, f"{scheme}: signed out, empty thread", BOX))

    comments.get_by_role("button", name="Sign in", exact=True).click()
    form = comments.get_by_role("form", name="Sign in")
    reports.append(run_axe(page, f"{scheme}: sign-in form open", BOX))

    form.get_by_label("Email").fill(f"reader-{scheme}@example.org")
    form.get_by_label("Password").fill("not the password")
    form.get_by_role("button", name="Sign in").click()
    expect(form.get_by_role("alert")).not_to_be_empty()
    reports.append(run_axe(page, f"{scheme}: sign-in error shown", BOX))

    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(comments.get_by_text(f"Signed in as Reader {scheme}")).to_be_visible()
    reports.append(run_axe(page, f"{scheme}: signed in, empty thread", BOX))

    comments.get_by_label("Your comment").fill("")
    comments.get_by_role("button", name="Post comment").click()
    expect(comments.locator(".townhall__form [role=alert]").first).not_to_be_empty()
    reports.append(run_axe(page, f"{scheme}: posting error shown", BOX))

    mine = comments.get_by_label("Your comment")
    mine.fill("My own comment, still editable")
    comments.get_by_role("button", name="Post comment").click()
    expect(comments.get_by_role("article").filter(has_text="still editable")).to_be_visible()

    open_host_page(page, townhall.url, long_thread)
    expect(comments.get_by_role("button", name="Load more comments")).to_be_visible()
    comments.get_by_role("button", name="Load more comments").click()
    expect(comments.get_by_role("button", name="Load more comments")).to_be_hidden()
    comments.get_by_role("button", name="Reply").first.click()
    post_comment = comments.get_by_role("button", name="Post comment")
    post_comment.scroll_into_view_if_needed()
    reports.append(run_axe(page, f"{scheme}: long thread, reply form open", BOX))

    # A held comment, as its author sees it: the server's answer carries one pending comment.
    held_thread = f"a11y-held-{scheme}"

    def with_held_comment(route):
        answer = route.fetch()
        data = answer.json()
        data["comments"] = [held_comment(held_thread)]
        route.fulfill(response=answer, body=json.dumps(data))

    page.route(re.compile(r".*/api/v1/comments\?.*thread=" + held_thread + ".*"), with_held_comment)
    open_host_page(page, townhall.url, held_thread)
    expect(comments.get_by_text("Awaiting moderation")).to_be_visible()
    reports.append(run_axe(page, f"{scheme}: held comment", BOX))

    open_host_page(page, townhall.url, long_thread, html_lang="ar")
    arabic = page.get_by_role("region", name="التعليقات")
    expect(arabic).to_have_attribute("dir", "rtl")
    expect(arabic.locator("article").first).to_be_visible()
    reports.append(run_axe(page, f"{scheme}: Arabic, right-to-left", BOX))

    assert_clean(reports)


def held_comment(thread: str) -> dict:
    return {
        "id": 999_999,
        "thread": thread,
        "parent_id": None,
        "display_parent_id": None,
        "depth": 0,
        "reply_to": None,
        "author": {"id": 1, "name": "Held Author"},
        "html": "<p>Waiting for a moderator.</p>",
        "status": "pending",
        "created_at": "2026-01-01T10:00:00Z",
        "edited_at": None,
        "reaction_count": 0,
        "reply_count": 0,
        "reacted": False,
        "mine": True,
        "body": "Waiting for a moderator.",
        "editable_until": None,
        "replies": [],
        "replies_cursor": None,
    }


def focused(page) -> dict:
    """The focused element: its accessible-ish name, tag, and whether focus is drawn."""
    return page.evaluate(
        """() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
        return {tag: el.tagName.toLowerCase(), id: el.id,
                name: (el.getAttribute('aria-label') || label || el.textContent || '').trim(),
                visible: el.matches(':focus-visible') && style.outlineStyle !== 'none'
                         && parseFloat(style.outlineWidth) >= 2};
    }"""
    )


def tab_to(page, name: str, limit: int = 300) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if re.sub(r"^\W+", "", now["name"]).startswith(name):
            assert now["visible"], f"focus on {name!r} is not visible"
            return now
    raise AssertionError(f"{name!r} never took focus after {limit} presses of Tab")


def test_keyboard_only_reader(townhall, api, new_page, box, long_thread):
    api("POST", "/auth/signup", {"email": "keys@example.org", "password": PASSWORD, "name": "Kay"})
    page = new_page(reduced_motion="reduce", bypass_csp=True)
    open_host_page(page, townhall.url, long_thread)
    comments = box(page)
    live = comments.get_by_role("status")
    expect(comments.get_by_role("article").first).to_be_visible()

    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "Email"
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(comments.get_by_text("Signed in as Kay")).to_be_visible()
    expect(comments.get_by_label("Your comment")).to_be_focused()

    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "Post comment")
    page.keyboard.press("Enter")
    mine = comments.get_by_role("article").filter(has_text="Typed without a mouse.")
    expect(mine).to_be_focused()
    expect(live).to_have_text("Your comment is posted.")
    assert live.get_attribute("aria-live") == "polite"

    # React to the next comment, then answer it.
    tab_to(page, "Like")
    page.keyboard.press("Space")
    like = page.locator("button.townhall__react:focus")
    expect(like).to_have_attribute("aria-pressed", "true")
    tab_to(page, "Reply")
    page.keyboard.press("Enter")
    assert focused(page)["name"].startswith("Reply to ")
    page.keyboard.type("A keyboard reply.")
    tab_to(page, "Post reply")
    page.keyboard.press("Enter")
    expect(comments.get_by_role("article").filter(has_text="A keyboard reply.")).to_be_focused()

    tab_to(page, "Load more comments")
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile(r"^\d+ more comments? loaded$"))
    assert focused(page)["tag"] == "article", "focus goes to the first comment loaded"


@pytest.mark.parametrize(("motion", "duration"), [("reduce", "0s"), ("no-preference", "0.12s")])
def test_motion_follows_the_readers_preference(townhall, new_page, box, motion, duration):
    page = new_page(reduced_motion=motion)
    open_host_page(page, townhall.url, "motion")
    sign_in = box(page).get_by_role("button", name="Sign in", exact=True)
    expect(sign_in).to_be_visible()
    assert sign_in.evaluate("el => getComputedStyle(el).transitionDuration").startswith(duration)
