"""The moderator dashboard and the reader's Report button, in Chromium against a real server:
a report reaches the reported queue and is rejected with one key; a pre-moderated story's
comment is approved with one key; a brigading cluster goes in one action; a ban stops the
next post; an admin downloads a site's export, a moderator may not. axe-core checks every
dashboard page (WCAG 2.2 A/AA)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y import assert_clean
from tests.support.axe import run_axe
from tests.support.hostpage import PASSWORD, distinct_text, open_host_page, sign_up_by_api

pytestmark = pytest.mark.browser

MODERATOR = "desk@example.org"
ADMIN = "chief@example.org"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    # One report queues a comment; every account here is new, so bursts of new accounts on
    # one story are left to the near-duplicate check the brigading story exercises.
    return {
        "TOWNHALL_MODERATION_REPORT_THRESHOLD": "1",
        "TOWNHALL_MODERATION_BURST_SIZE": "50",
        "TOWNHALL_DASHBOARD_REFRESH_SECONDS": "2",
    }


@pytest.fixture(scope="module")
def moderator(townhall) -> str:
    """A moderator account made with the CLI against the running server's data folder."""
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "create", MODERATOR, "--moderator"]
    command += ["--password", PASSWORD, "--name", "Desk Editor"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    return MODERATOR


@pytest.fixture(scope="module")
def admin(townhall) -> str:
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "create", ADMIN, "--admin"]
    command += ["--password", PASSWORD, "--name", "Chief Editor"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    return ADMIN


def sign_in_to_dashboard(page, townhall, email: str = MODERATOR) -> None:
    page.goto(townhall.url + "/dashboard")
    expect(page.get_by_role("heading", name="Sign in to moderate")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def desk(townhall, moderator, new_page):
    """A moderator's browser, signed in to the dashboard, on the pending queue."""
    page = new_page()
    sign_in_to_dashboard(page, townhall)
    expect(page.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    return page


def item(page, text: str):
    return page.locator(".items > li > .item").filter(has_text=text)


def status(page):
    return page.locator("#status")


def test_reported_comment_is_rejected_with_the_keyboard(townhall, api, desk, new_page, box):
    ana = sign_up_by_api(api, "Ana Writer")
    text = "The bridge figures in this story are invented, ask the harbour office."
    api("POST", "/comments", {"thread": "dash-report", "body": text}, ana)
    api("POST", "/comments", {"thread": "dash-report", "body": distinct_text(1)}, ana)

    reader = new_page(bypass_csp=True)  # for axe's inline script; the desk keeps the CSP
    open_host_page(reader, townhall.url, "dash-report")
    comments = box(reader)
    sign_up_by_api(api, "Rita Reader")
    comments.get_by_role("button", name="Sign in", exact=True).click()
    form = comments.get_by_role("form", name="Sign in")
    form.get_by_label("Email").fill("rita.reader@example.org")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    article = comments.get_by_role("article").filter(has_text="harbour office")
    article.get_by_role("button", name="Report").click()
    report = comments.get_by_role("form", name="Report this comment")
    expect(report.get_by_label("Abuse")).to_be_focused()
    assert_clean([run_axe(reader, "box: report form open", "[data-townhall-thread]")])
    report.get_by_label("Abuse").check()
    report.get_by_label("Details (needed for Other)").fill("Insults voters.")
    report.get_by_role("button", name="Send report").click()
    thanks = comments.get_by_text("Thanks, a moderator will look at it.")
    expect(thanks).to_be_focused()
    expect(report).to_have_count(0)
    assert_clean([run_axe(reader, "box: report sent", "[data-townhall-thread]")])
    # One's own comments offer no Report button.
    expect(comments.get_by_role("button", name="Report")).to_have_count(1)

    desk.get_by_role("link", name=re.compile(r"^Reported")).click()
    expect(desk.get_by_role("heading", level=1, name="Reported")).to_be_visible()
    reported = item(desk, "harbour office")
    expect(reported).to_contain_text("Ana Writer")
    expect(reported).to_contain_text("dash-report")
    expect(reported).to_contain_text("1 open report")
    expect(reported).to_contain_text("Abuse Insults voters.")
    expect(desk.get_by_role("complementary", name="Keyboard shortcuts")).to_contain_text("reject")

    desk.keyboard.press("j")
    expect(reported).to_be_focused()
    desk.keyboard.press("r")
    expect(status(desk)).to_have_text("Rejected the comment by Ana Writer.")
    expect(reported).to_have_count(0)
    expect(desk.get_by_text("Nothing left here.")).to_be_visible()
    expect(desk.get_by_role("heading", level=1, name="Reported")).to_be_focused()

    reader.reload()
    expect(comments.get_by_role("article")).to_have_count(1)
    expect(comments.get_by_text("harbour office")).to_have_count(0)


def test_held_comment_on_a_premoderated_story_is_approved_with_a_key(
    townhall, api, desk, new_page, box
):
    ben = sign_up_by_api(api, "Ben Early")
    api("POST", "/comments", {"thread": "dash-premod", "body": distinct_text(10)}, ben)

    desk.get_by_role("link", name="Stories").click()
    story = desk.locator("form").filter(has_text="dash-premod")
    story.get_by_label("Mode").select_option("premoderated")
    story.get_by_role("button", name=re.compile("^Save mode")).click()
    expect(status(desk)).to_have_text("The story dash-premod is now premoderated.")

    cleo = sign_up_by_api(api, "Cleo Later")
    held = api("POST", "/comments", {"thread": "dash-premod", "body": distinct_text(11)}, cleo)
    assert held["status"] == "pending"

    reader = new_page()
    open_host_page(reader, townhall.url, "dash-premod")
    comments = box(reader)
    expect(comments.get_by_role("article")).to_have_count(1)

    desk.get_by_role("link", name=re.compile(r"^Pending")).click()
    pending = item(desk, distinct_text(11))
    expect(pending).to_contain_text("The story is pre-moderated.")
    expect(pending).to_contain_text("Cleo Later")
    pending.focus()
    desk.keyboard.press("a")
    expect(status(desk)).to_have_text("Approved the comment by Cleo Later.")
    expect(pending).to_have_count(0)

    reader.reload()
    expect(comments.get_by_role("article")).to_have_count(2)
    expect(comments.get_by_text(distinct_text(11))).to_be_visible()

    desk.get_by_role("link", name="Audit trail").click()
    expect(desk.get_by_role("table")).to_contain_text("mode-premoderated")
    expect(desk.get_by_role("table")).to_contain_text("approve")


def test_a_multi_selection_is_approved_at_once_with_the_keyboard(townhall, api, desk, moderator):
    first = sign_up_by_api(api, "Dora Bulk")
    api("POST", "/comments", {"thread": "dash-bulk", "body": distinct_text(40)}, first)
    token = api("POST", "/auth/signin", {"email": MODERATOR, "password": PASSWORD})["token"]
    api("PUT", "/moderation/threads/mode", {"thread": "dash-bulk", "mode": "premoderated"}, token)
    for n, name in ((41, "Eli Bulk"), (42, "Fay Bulk")):
        held = api(
            "POST",
            "/comments",
            {"thread": "dash-bulk", "body": distinct_text(n)},
            sign_up_by_api(api, name),
        )
        assert held["status"] == "pending"

    desk.goto(townhall.url + "/admin/queues/pending")
    for n in (41, 42):
        item(desk, distinct_text(n)).focus()
        desk.keyboard.press("x")
    expect(desk.get_by_text("2 selected.")).to_be_visible()
    expect(item(desk, distinct_text(42)).get_by_role("checkbox")).to_be_checked()
    desk.get_by_role("button", name="Approve selected").click()
    expect(status(desk)).to_have_text("Approved 2 comments.")
    expect(item(desk, distinct_text(41))).to_have_count(0)
    expect(item(desk, distinct_text(42))).to_have_count(0)
    thread = api("GET", "/comments?thread=dash-bulk")
    assert len(thread["comments"]) == 3


def test_the_search_page_finds_a_rejected_comment(townhall, api, desk):
    token = sign_up_by_api(api, "Gus Search")
    body = distinct_text(50)
    posted = api("POST", "/comments", {"thread": "dash-search", "body": body}, token)
    mod = api("POST", "/auth/signin", {"email": MODERATOR, "password": PASSWORD})["token"]
    decision = {"comment_ids": [posted["id"]], "action": "reject"}
    api("POST", "/moderation/decisions", decision, mod)

    desk.get_by_role("link", name="Search").click()
    desk.get_by_label("Words in the comment").fill(body.split()[2].upper())
    desk.get_by_label("Author: name, email or user number").fill("gus")
    desk.get_by_role("button", name="Search").click()
    found = desk.locator(".results .item").filter(has_text=body)
    expect(found).to_contain_text("rejected")


def test_queue_counts_refresh_without_a_reload(townhall, api, desk):
    mod = api("POST", "/auth/signin", {"email": MODERATOR, "password": PASSWORD})["token"]
    api(
        "POST",
        "/comments",
        {"thread": "dash-live", "body": distinct_text(60)},
        sign_up_by_api(api, "Ivy Live"),
    )
    api("PUT", "/moderation/threads/mode", {"thread": "dash-live", "mode": "premoderated"}, mod)
    count = desk.locator('[data-count="pending"]')
    before = int(count.text_content())
    api(
        "POST",
        "/comments",
        {"thread": "dash-live", "body": distinct_text(61)},
        sign_up_by_api(api, "Jon Live"),
    )
    # Polled every dashboard_refresh_seconds (2 s for these stories, 15 s by default); the
    # polite live region names the queue that changed.
    expect(count).to_have_text(str(before + 1), timeout=10_000)
    expect(desk.locator("#counts-live")).to_have_text(f"Queue counts now Pending: {before + 1}.")


CAMPAIGN = "Stop lying about the front line, the army retreated and the ministry hides it from us"


def brigade(api, prefix: str, thread: str, accounts: int = 4) -> list[dict]:
    posted = []
    for n in range(accounts):
        token = sign_up_by_api(api, f"{prefix} {n}")
        body = CAMPAIGN + ("!" * (n % 2)) + (" Share this." if n % 3 == 0 else "")
        posted.append(api("POST", "/comments", {"thread": thread, "body": body}, token))
    return posted


def test_brigading_cluster_is_one_group_rejected_in_one_action(townhall, api, desk):
    brigade(api, "Troll", "dash-brigade")
    assert api("GET", "/comments?thread=dash-brigade")["comments"] == []

    desk.get_by_role("link", name=re.compile(r"^Held clusters")).click()
    groups = desk.locator(".items > li > .cluster")
    expect(groups).to_have_count(1)
    group = groups.first
    expect(group.locator(".member")).to_have_count(4)
    expect(group.get_by_role("heading", level=2)).to_contain_text("4 held")
    expect(group.get_by_role("button", name=re.compile("^Reject all 4"))).to_be_visible()

    desk.keyboard.press("j")
    expect(group).to_be_focused()
    desk.keyboard.press("r")
    expect(status(desk)).to_have_text("Rejected the group of 4 comments (4 comments).")
    expect(groups).to_have_count(0)
    desk.get_by_role("link", name=re.compile(r"^Rejected")).click()
    expect(desk.locator(".items > li > .item").filter(has_text="Stop lying")).to_have_count(4)


def test_ban_from_the_queue_refuses_the_next_post(townhall, api, desk):
    dan = sign_up_by_api(api, "Dan Spammer")
    eve = sign_up_by_api(api, "Eve Flagger")
    spam = api("POST", "/comments", {"thread": "dash-ban", "body": distinct_text(20)}, dan)
    api("POST", f"/comments/{spam['id']}/reports", {"reason": "spam"}, eve)

    desk.get_by_role("link", name=re.compile(r"^Reported")).click()
    reported = item(desk, distinct_text(20))
    expect(reported).to_contain_text("Spam")
    desk.wait_for_load_state()  # the page's script listens for the keys once it has run
    desk.keyboard.press("j")
    desk.keyboard.press("b")
    confirm = reported.get_by_role("group", name="Ban Dan Spammer")
    expect(confirm.get_by_role("button", name="Ban Dan Spammer")).to_be_focused()
    desk.keyboard.press("Enter")
    expect(status(desk)).to_have_text("Dan Spammer is banned; 1 comment rejected.")

    with pytest.raises(AssertionError, match="403"):
        api("POST", "/comments", {"thread": "dash-ban", "body": distinct_text(21)}, dan)
    assert api("GET", "/comments?thread=dash-ban")["comments"] == []

    desk.get_by_role("link", name="Users").click()
    row = desk.get_by_role("row").filter(has_text="Dan Spammer")
    expect(row).to_contain_text("banned")
    row.get_by_role("button", name="Lift the standing of Dan Spammer").click()
    expect(status(desk)).to_have_text("Standing lifted.")
    expect(desk.get_by_role("row").filter(has_text="Dan Spammer")).to_have_count(0)


def test_readers_get_the_moderators_only_page(townhall, api, new_page):
    sign_up_by_api(api, "Fay Reader")
    page = new_page()
    sign_in_to_dashboard(page, townhall, "fay.reader@example.org")
    expect(page.get_by_role("heading", level=1, name="Moderators only")).to_be_visible()
    page.goto(townhall.url + "/dashboard/audit")
    expect(page.get_by_role("heading", level=1, name="Moderators only")).to_be_visible()


def test_an_admin_downloads_the_export_and_a_moderator_may_not(
    townhall, api, admin, desk, new_page
):
    gil = sign_up_by_api(api, "Gil Export")
    api("POST", "/comments", {"thread": "dash-export", "body": distinct_text(40)}, gil)
    page = new_page()
    sign_in_to_dashboard(page, townhall, ADMIN)
    page.get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", level=1, name="Export")).to_be_visible()
    page.get_by_label("Site").select_option("default")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download export").click()
    download = info.value
    assert re.fullmatch(r"townhall-default-\d{4}-\d\d-\d\d\.jsonl", download.suggested_filename)
    lines = [json.loads(line) for line in Path(download.path()).read_bytes().splitlines()]
    assert lines[0]["format"] == "townhall-export"
    assert {"type": "thread", "key": "dash-export"} in [
        {"type": line["type"], "key": line.get("key")} for line in lines
    ]

    expect(desk.get_by_role("link", name="Export")).to_have_count(0)
    desk.goto(townhall.url + "/dashboard/export")
    expect(desk.get_by_role("heading", level=1, name="Admins only")).to_be_visible()


def test_every_dashboard_page_has_no_axe_violations(townhall, api, moderator, admin, new_page):
    # Something in every queue: a held comment, a report, a cluster; earlier stories left
    # approved and rejected comments, a standing change and audit entries.
    gil = sign_up_by_api(api, "Gil Axe")
    hal = sign_up_by_api(api, "Hal Axe")
    api("POST", "/comments", {"thread": "dash-premod", "body": distinct_text(30)}, gil)
    shown = api("POST", "/comments", {"thread": "dash-axe", "body": distinct_text(31)}, gil)
    api("POST", f"/comments/{shown['id']}/reports", {"reason": "other", "text": "Odd."}, hal)
    brigade(api, "Axe troll", "dash-axe-brigade")

    reports = []
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    page.goto(townhall.url + "/dashboard/signin")
    reports.append(run_axe(page, "dashboard: sign-in"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    reports.append(run_axe(page, "dashboard: sign-in error"))
    page.get_by_label("Email").fill(MODERATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    for path, heading in [
        ("queues/pending", "Pending"),
        ("queues/reported", "Reported"),
        ("queues/clusters", "Held clusters"),
        ("queues/approved", "Approved"),
        ("queues/rejected", "Rejected"),
        ("users", "Users"),
        ("threads", "Stories"),
        ("audit", "Audit trail"),
        ("search?author=Gil+Axe", "Search comments"),
    ]:
        page.goto(f"{townhall.url}/admin/{path}")
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        if path.startswith("queues/"):
            expect(page.locator(".items > li > .item").first).to_be_visible()
            page.keyboard.press("j")  # the highlighted item and its focus ring
            if path != "queues/clusters":
                page.keyboard.press("x")  # selected, for the bulk actions
                page.locator(".items .context summary").first.click()  # the context open
        reports.append(run_axe(page, f"dashboard: {path}"))
    page.goto(f"{townhall.url}/admin/queues/reported")
    page.get_by_role("link", name="Gil Axe: standing, notes, history").first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Gil Axe"))).to_be_visible()
    reports.append(run_axe(page, "dashboard: a user's page"))
    page.goto(f"{townhall.url}/dashboard/queues/reported")
    page.keyboard.press("j")
    page.keyboard.press("b")
    reports.append(run_axe(page, "dashboard: ban confirmation"))
    page.goto(f"{townhall.url}/dashboard/export")
    expect(page.get_by_role("heading", level=1, name="Admins only")).to_be_visible()
    reports.append(run_axe(page, "dashboard: admins only"))

    chief = new_page(bypass_csp=True)
    sign_in_to_dashboard(chief, townhall, ADMIN)
    expect(chief.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    chief.goto(f"{townhall.url}/dashboard/export")
    expect(chief.get_by_role("heading", level=1, name="Export")).to_be_visible()
    reports.append(run_axe(chief, "dashboard: export"))
    chief.goto(f"{townhall.url}/admin/sites")
    expect(chief.get_by_role("heading", level=1, name="Sites")).to_be_visible()
    reports.append(run_axe(chief, "dashboard: sites"))
    chief.get_by_role("link", name="Default site").click()
    expect(chief.get_by_role("heading", level=1, name="Settings of default")).to_be_visible()
    reports.append(run_axe(chief, "dashboard: a site's settings"))

    reader = new_page(bypass_csp=True)
    sign_up_by_api(api, "Ida Reader")
    sign_in_to_dashboard(reader, townhall, "ida.reader@example.org")
    expect(reader.get_by_role("heading", level=1, name="Moderators only")).to_be_visible()
    reports.append(run_axe(reader, "dashboard: moderators only"))
    assert_clean(reports)
