"""The dashboard at /admin (and /dashboard for older links): queue items in context with
selection boxes, search, a user's page with notes, sites' settings for admins, and site
moderators who see their own site only. Browser stories are in tests/browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.moderation.sites import make_site, site_moderator
from townhall.domain.services import Services

QUIET = "Who pays for the new bridge?"


@pytest.fixture
def moderator(make_reader: Any, services: Services) -> Reader:
    return promote(services, make_reader("Mod"))


def test_admin_is_the_address_and_dashboard_still_answers(
    moderator: Reader, anonymous: Reader
) -> None:
    home = moderator.http.get("/admin", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/admin/queues/pending")
    page = moderator.http.get("/admin/queues/pending")
    assert page.status_code == 200 and 'href="/admin/search"' in page.text
    assert 'src="/admin/static/dashboard.js"' in page.text
    old = moderator.http.get("/dashboard/queues/pending")
    assert old.status_code == 200 and 'href="/dashboard/users"' in old.text
    away = anonymous.http.get("/admin/audit", follow_redirects=False)
    assert away.headers["location"] == "/admin/signin?next=/admin/audit"
    off_site = anonymous.http.get("/admin/signin", params={"next": "//evil.example/admin/"})
    assert 'data-next="/admin/queues/pending"' in off_site.text


def test_a_queue_item_shows_its_story_parent_and_authors_history(
    make_reader: Any, moderator: Reader
) -> None:
    ana, troll = make_reader("Ana"), make_reader("Troll")
    root = ana.post("The ferry timetable changes on Monday.", thread="ferry")
    troll.post("Ferries are fine, I took one yesterday.", thread="ferry")
    mode = {"thread": "ferry", "mode": "premoderated"}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    held = troll.post("Not on Sundays they are not.", thread="ferry", parent_id=root["id"])
    assert held["status"] == "pending"
    page = moderator.http.get("/admin/queues/pending").text
    assert f"Comment {held['id']}" in page
    assert "<summary>Context: the story, the comment it answers, Troll's history" in page
    assert "The ferry timetable changes on Monday." in page  # the parent
    assert "Ferries are fine, I took one yesterday." in page  # the author's history
    assert "good standing" in page
    assert f'id="select-{held["id"]}" data-select' in page and "Approve selected" in page


def test_search_page_finds_and_says_what_to_fix(make_reader: Any, moderator: Reader) -> None:
    make_reader("Olena").post("The bridge on Khreshchatyk reopened today.")
    found = moderator.http.get("/admin/search", params={"text": "BRIDGE"})
    assert found.status_code == 200 and "Khreshchatyk" in found.text
    none = moderator.http.get("/admin/search", params={"text": "tram"})
    assert "No comment matches" in none.text
    wrong = moderator.http.get("/admin/search", params={"since": "last week"})
    assert wrong.status_code == 200 and "like 2026-03-01" in wrong.text
    empty = moderator.http.get("/admin/search")
    assert "Comments found" not in empty.text and "No comment matches" not in empty.text


def test_a_users_page_lists_notes_and_comments(make_reader: Any, moderator: Reader) -> None:
    troll = make_reader("Troll")
    troll.post("Just asking questions about the convoy.")
    user_id = troll.user["id"]  # type: ignore[index]
    moderator.http.post(f"/api/v1/moderation/users/{user_id}/notes", json={"text": "Sock puppet?"})
    page = moderator.http.get(f"/admin/users/{user_id}")
    assert page.status_code == 200
    assert "Sock puppet?" in page.text and "Just asking questions" in page.text
    assert 'data-form="note"' in page.text
    assert moderator.http.get("/admin/users/999999").status_code == 404
    standing = {"state": "warned", "reason": "Tone"}
    moderator.http.put(f"/api/v1/moderation/users/{user_id}/standing", json=standing)
    assert f'href="/admin/users/{user_id}">Troll</a>' in moderator.http.get("/admin/users").text


def test_sites_settings_pages_are_for_admins(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    admin = promote(services, make_reader("Chief"), "admin")
    sites = admin.http.get("/admin/sites")
    assert sites.status_code == 200 and 'href="/admin/sites/default"' in sites.text
    page = admin.http.get("/admin/sites/default")
    assert page.status_code == 200 and "Banned words" in page.text
    assert 'data-form="site-settings"' in page.text and 'data-form="site-role"' in page.text
    assert moderator.http.get("/admin/sites").status_code == 403
    assert moderator.http.get("/admin/sites/default").status_code == 403
    assert 'href="/admin/sites"' not in moderator.http.get("/admin/queues/pending").text


def test_a_site_moderator_signs_in_and_sees_only_their_site(
    make_reader: Any, services: Services
) -> None:
    make_site(services, "kyiv", moderation_mode="premoderated")
    make_site(services, "lviv", moderation_mode="premoderated")
    make_reader("On kyiv").post(QUIET + " (kyiv)", site="kyiv")
    make_reader("On lviv").post(QUIET + " (lviv)", site="lviv")
    local = site_moderator(services, make_reader("Kyiv desk"), "kyiv")
    assert local.http.get("/admin/signin").status_code == 200
    texts = local.http.get("/admin/queues/pending").text
    assert "(moderator of some sites)" in texts
    assert "(kyiv)" in texts and "(lviv)" not in texts
    assert make_reader().http.get("/admin/signin").status_code == 403
