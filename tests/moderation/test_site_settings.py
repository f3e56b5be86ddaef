"""A site's own moderation settings over the server's: word lists, thresholds, modes."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.moderation.sites import make_site
from townhall.domain.moderation import pipeline_for
from townhall.domain.services import Services


def refused(reader: Reader, text: str, site: str, status: str) -> bool:
    """The pipeline objected: the comment was held or rejected (``status``), or, where the
    nudge asks its author to look again first, a 422 that says why."""
    answer = reader.http.post(
        "/api/v1/comments", json={"thread": "article-1", "body": text, "site": site}
    )
    if answer.status_code == 422:
        return "send it again" in answer.json()["detail"]
    return answer.status_code == 201 and answer.json()["status"] == status


def test_a_word_banned_on_one_site_is_rejected_there_and_published_on_another(
    make_reader: Any, services: Services
) -> None:
    make_site(services, "kyiv")
    make_site(services, "lviv")
    admin = promote(services, make_reader("Chief"), "admin")
    answer = admin.http.put(
        "/api/v1/moderation/sites/kyiv/settings",
        json={"moderation_banned_words": "borscht*", "moderation_max_links": 0},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["own"] == {"moderation_banned_words": "borscht*", "moderation_max_links": 0}
    assert body["effective"]["moderation_toxicity_hold"] == 0.7  # the server's default

    # Distinct readers: the same text twice from one author is held as repeated.
    text = "The borscht at the station canteen was the best in town."
    assert refused(make_reader(), text, "kyiv", "rejected")
    assert make_reader().post(text, site="lviv")["status"] == "visible"
    assert make_reader().post(text)["status"] == "visible"
    link = "Read https://example.org/report before replying, please."
    assert refused(make_reader(), link, "kyiv", "pending")
    assert make_reader().post(link, site="lviv")["status"] == "visible"

    # None puts a key back to the server's value.
    cleared = admin.http.put(
        "/api/v1/moderation/sites/kyiv/settings", json={"moderation_banned_words": None}
    )
    assert cleared.json()["own"] == {"moderation_max_links": 0}
    assert make_reader().post(text, site="kyiv")["status"] == "visible"
    audit = admin.http.get("/api/v1/moderation/audit").json()["entries"]
    assert audit[0]["action"] == "site-settings"


def test_site_settings_say_what_to_fix_and_are_for_admins(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    admin = promote(services, make_reader("Chief"), "admin")
    path = "/api/v1/moderation/sites/default/settings"
    bad = admin.http.put(path, json={"moderation_toxicity_hold": 3})
    assert bad.status_code == 422
    assert "from 0 to 1" in bad.json()["detail"] and "got '3'" in bad.json()["detail"]
    unknown = admin.http.put(path, json={"database_url": "x"})
    assert unknown.status_code == 422 and "not a site setting" in unknown.json()["detail"]
    mode = admin.http.put(path, json={"moderation_mode": "closed"})
    assert "open, premoderated" in mode.json()["detail"]
    missing = admin.http.get("/api/v1/moderation/sites/nope/settings")
    assert missing.status_code == 404 and "no site called 'nope'" in missing.json()["detail"]
    assert moderator.http.get(path).status_code == 403
    assert moderator.http.put(path, json={"moderation_max_links": 1}).status_code == 403
    assert make_reader().http.get(path).status_code == 403


def test_a_premoderated_site_holds_every_comment(make_reader: Any, services: Services) -> None:
    make_site(services, "desk")
    admin = promote(services, make_reader("Chief"), "admin")
    answer = admin.http.put(
        "/api/v1/moderation/sites/desk/settings", json={"moderation_mode": "premoderated"}
    )
    assert answer.status_code == 200
    text = "A calm note on the council vote."
    assert make_reader().post(text, site="desk")["status"] == "pending"
    assert make_reader().post(text)["status"] == "visible"


class Seen:
    """A plugin stage that only notes which sites' comments it saw."""

    name = "seen"

    def __init__(self) -> None:
        self.sites: list[int] = []

    def run(self, submission: Any, verdict: Any) -> None:
        self.sites.append(submission.site_id)


def test_plugins_run_on_sites_with_settings_of_their_own(
    make_reader: Any, services: Services
) -> None:
    kyiv = make_site(services, "kyiv", moderation_banned_words="borscht*")
    seen = Seen()
    pipeline_for(services).register(seen)
    make_reader().post("A quiet remark about the tram timetable.", site="kyiv")
    make_reader().post("A quiet remark about the bus timetable.")
    assert seen.sites[0] == kyiv["id"] and len(seen.sites) == 2
