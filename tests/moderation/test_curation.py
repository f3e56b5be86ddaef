"""A moderator features a comment and edits one with a note readers see (#3)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote


def ids(page: dict[str, Any]) -> list[int]:
    return [c["id"] for c in page["comments"]]


def feature(moderator: Reader, comment_id: int, on: bool = True) -> Any:
    return moderator.http.put(
        f"/api/v1/moderation/comments/{comment_id}/featured", json={"featured": on}
    )


def test_a_featured_comment_leads_the_thread_until_unfeatured(
    make_reader: Any, moderator: Reader, anonymous: Reader
) -> None:
    author = make_reader("Author")
    first = author.post("The first comment, a considered one about the bridge.")
    second = author.post("The second comment, about the ferry timetable.")
    third = author.post("The third comment, a question about the night trains.")
    reply = make_reader("Replier").post("Thanks, agreed.", parent_id=first["id"])
    assert ids(anonymous.thread()) == [third["id"], second["id"], first["id"]]  # warms the cache

    answer = feature(moderator, first["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["featured"] is True
    page = anonymous.thread()  # the cached page was dropped by the feature
    assert ids(page) == [first["id"], third["id"], second["id"]]
    assert [c["featured"] for c in page["comments"]] == [True, False, False]
    assert [r["id"] for r in page["comments"][0]["replies"]] == [reply["id"]]
    # The other sorts lead with it too, and it is not repeated on a later page.
    assert ids(anonymous.thread(sort="oldest"))[0] == first["id"]
    assert feature(moderator, first["id"]).status_code == 200  # again: nothing changes

    assert feature(moderator, first["id"], on=False).json()["featured"] is False
    page = anonymous.thread()
    assert ids(page) == [third["id"], second["id"], first["id"]]
    assert not any(c["featured"] for c in page["comments"])
    audit = moderator.http.get("/api/v1/moderation/audit").json()["entries"]
    assert [(e["action"], e["target_id"]) for e in audit[:2]] == [
        ("unfeature", first["id"]),
        ("feature", first["id"]),
    ]


def test_featured_comments_are_not_repeated_on_later_pages(app_with: Any) -> None:
    app, svc = app_with(page_size=2)
    author = Reader(app).signup("Author")
    moderator = promote(svc, Reader(app).signup("Mod"))
    posted = [author.post(f"Comment number {n} about the local election.") for n in range(5)]
    assert feature(moderator, posted[0]["id"]).status_code == 200
    seen: list[int] = []
    page = author.thread()
    seen += ids(page)
    for _ in range(5):
        if not page["next_cursor"]:
            break
        page = author.thread(cursor=page["next_cursor"])
        seen += ids(page)
    assert seen[0] == posted[0]["id"]
    assert sorted(seen) == sorted(c["id"] for c in posted)


def test_only_published_comments_can_be_featured(make_reader: Any, moderator: Reader) -> None:
    held = make_reader().post("You are a fucking idiot and this article is shit.", nudged=True)
    answer = feature(moderator, held["id"])
    assert answer.status_code == 422
    assert "Approve it first" in answer.json()["detail"]
    assert feature(moderator, 999_999).status_code == 404


def test_a_moderator_edit_shows_its_note_and_keeps_the_old_text(
    make_reader: Any, moderator: Reader, anonymous: Reader
) -> None:
    author = make_reader("Author")
    comment = author.post("Call me on +44 20 7946 0958 to discuss the **council** vote.")
    anonymous.thread()  # cache the page
    path = f"/api/v1/moderation/comments/{comment['id']}"
    missing = moderator.http.patch(
        path, json={"body": "Discuss the **council** vote.", "note": " "}
    )
    assert missing.status_code == 422 and "Say why you edit" in missing.json()["detail"]

    answer = moderator.http.patch(
        path, json={"body": "Discuss the **council** vote.", "note": "Removed a phone number."}
    )
    assert answer.status_code == 200, answer.text
    shown = anonymous.thread()["comments"][0]
    assert shown["html"] == "<p>Discuss the <strong>council</strong> vote.</p>"
    assert shown["moderator_note"] == "Removed a phone number."
    assert shown["edited_at"] is not None

    history = moderator.http.get(f"{path}/revisions").json()["revisions"]
    assert [r["body"] for r in history] == [comment["body"]]
    assert history[0]["note"] == "Removed a phone number."
    audit = moderator.http.get("/api/v1/moderation/audit", params={"action": "edit"}).json()
    entry = audit["entries"][0]
    assert entry["target_id"] == comment["id"] and "+44 20 7946 0958" in entry["reason"]
    assert entry["reason"].startswith("Removed a phone number.")
