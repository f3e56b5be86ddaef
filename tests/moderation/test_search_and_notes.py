"""Moderators search every comment (rejected and held ones too) and keep notes on users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import Reader
from tests.moderation.sites import make_site, site_moderator
from townhall.domain.services import Services
from townhall.store import comments as comment_store


def search(who: Reader, **params: Any) -> dict[str, Any]:
    answer = who.http.get("/api/v1/moderation/search", params=params)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def texts(page: dict[str, Any]) -> list[str]:
    return [c["body"] for c in page["comments"]]


def test_search_finds_text_author_and_window_including_moderated_comments(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    olena, petro = make_reader("Olena Bilyk"), make_reader("Petro")
    first = olena.post("The Bridge on Khreshchatyk reopened today.")
    held = petro.post("You are wrong about the bridge, as usual.")
    olena.post("Prices rose 100% at the market; 50_50 odds they fall.")
    moderator.http.post(
        "/api/v1/moderation/decisions", json={"comment_ids": [held["id"]], "action": "reject"}
    )
    # Case-insensitive, moderated ones included, newest first.
    assert texts(search(moderator, text="BRIDGE")) == [held["body"], first["body"]]
    # LIKE's wildcards are literal characters.
    assert texts(search(moderator, text="100%")) == [texts(search(moderator, text="50_50"))[0]]
    assert search(moderator, text="1000%")["comments"] == []
    assert search(moderator, text="5_5")["comments"] == []
    # Author by part of the name, exact email or number.
    assert len(search(moderator, author="bilyk")["comments"]) == 2
    assert len(search(moderator, author=str(petro.user["id"]))["comments"]) == 1  # type: ignore[index]
    both = search(moderator, text="bridge", author="petro")["comments"]
    assert [c["status"] for c in both] == ["rejected"]
    # The time window: everything was posted today (UTC).
    with services.db.read() as conn:
        created = comment_store.by_id(conn, first["id"])["created_at"]  # type: ignore[index]
    today = datetime.fromtimestamp(created / 1000, UTC).date().isoformat()
    assert len(search(moderator, since=today, until=today)["comments"]) == 3
    assert search(moderator, until="2001-01-01")["comments"] == []
    bad = moderator.http.get("/api/v1/moderation/search", params={"since": "yesterday"})
    assert bad.status_code == 422 and "like 2026-03-01" in bad.json()["detail"]
    upside = moderator.http.get(
        "/api/v1/moderation/search", params={"since": "2026-03-02", "until": "2026-03-01"}
    )
    assert upside.status_code == 422 and "ends before it starts" in upside.json()["detail"]


def test_search_pages_are_bounded_and_continue(make_reader: Any, moderator: Reader) -> None:
    for i in range(5):
        make_reader(f"Writer {i}").post(f"Needle number {i} in a haystack of words.")
    first = search(moderator, text="needle", limit=2)
    assert len(first["comments"]) == 2 and first["next"] is not None
    second = search(moderator, text="needle", limit=2, before=first["next"])
    third = search(moderator, text="needle", limit=2, before=second["next"])
    seen = texts(first) + texts(second) + texts(third)
    assert len(seen) == len(set(seen)) == 5 and third["next"] is None
    too_many = moderator.http.get("/api/v1/moderation/search", params={"limit": 1000})
    assert too_many.status_code == 422


def test_readers_cannot_search_and_site_moderators_see_their_sites_only(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    make_site(services, "kyiv")
    make_reader().post("Shelter locations on the kyiv site.", site="kyiv")
    make_reader().post("Shelter locations on the default site.")
    assert make_reader().http.get("/api/v1/moderation/search").status_code == 403
    assert anonymous.http.get("/api/v1/moderation/search").status_code == 401
    local = site_moderator(services, make_reader("Kyiv desk"), "kyiv")
    assert texts(search(local, text="shelter")) == ["Shelter locations on the kyiv site."]


def test_moderators_keep_notes_on_a_user_in_the_audit_log(
    make_reader: Any, moderator: Reader, services: Services
) -> None:
    troll = make_reader("Troll")
    troll.post("Just asking questions about the aid convoy.")
    path = f"/api/v1/moderation/users/{troll.user['id']}/notes"  # type: ignore[index]
    added = moderator.http.post(path, json={"text": "  Third account this week, same phrasing. "})
    assert added.status_code == 201, added.text
    assert added.json()["text"] == "Third account this week, same phrasing."
    notes = moderator.http.get(path).json()["notes"]
    assert [(n["text"], n["author_name"]) for n in notes] == [
        ("Third account this week, same phrasing.", "Mod")
    ]
    audit = moderator.http.get("/api/v1/moderation/audit").json()["entries"]
    assert (audit[0]["action"], audit[0]["target_type"]) == ("note", "user")
    empty = moderator.http.post(path, json={"text": "   "})
    assert empty.status_code == 422 and "Write the note" in empty.json()["detail"]
    assert moderator.http.get("/api/v1/moderation/users/999999/notes").status_code == 404
    assert troll.http.get(path).status_code == 403
    assert troll.http.post(path, json={"text": "I am nice"}).status_code == 403


def test_a_site_moderator_keeps_notes_only_on_their_sites_users(
    make_reader: Any, services: Services
) -> None:
    make_site(services, "kyiv")
    local = site_moderator(services, make_reader("Kyiv desk"), "kyiv")
    here, elsewhere = make_reader("Here"), make_reader("Elsewhere")
    here.post("A comment on the kyiv site.", site="kyiv")
    elsewhere.post("A comment on the default site.")
    ok = local.http.post(
        f"/api/v1/moderation/users/{here.user['id']}/notes",  # type: ignore[index]
        json={"text": "Fine so far."},
    )
    assert ok.status_code == 201 and ok.json()["site_id"] is not None
    other = local.http.post(
        f"/api/v1/moderation/users/{elsewhere.user['id']}/notes",  # type: ignore[index]
        json={"text": "Not mine."},
    )
    assert other.status_code == 404 and "sites you moderate" in other.json()["detail"]
