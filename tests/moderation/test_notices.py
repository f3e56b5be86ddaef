"""Illegal-content notices (DSA): anyone sends one, moderators decide it in their own
queue, and the statement of reasons is mailed to the author and the reporter (#3)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote
from tests.moderation.sites import make_site, site_moderator
from townhall.domain.services import Services

NOTICE = {
    "category": "defamation",
    "explanation": "It says the named mayor took bribes, which a court found to be false.",
    "reporter_name": "Marta Kowalska",
    "reporter_email": "marta@example.org",
    "good_faith": True,
}
STATEMENT = "The comment states as fact an accusation a court found false (Art. 212 KK)."


def mail_to(services: Services, address: str) -> list[Any]:
    return [m for m in services.mailer.sent if m["To"] == address]  # type: ignore[attr-defined]


def test_a_notice_is_decided_with_reasons_mailed_to_author_and_reporter(
    make_reader: Any, moderator: Reader, anonymous: Reader, services: Services
) -> None:
    author = make_reader("Jan", email="jan@example.org")
    comment = author.post("The mayor took bribes from the builders, everyone knows it.")
    sent = anonymous.http.post(f"/api/v1/comments/{comment['id']}/notices", json=NOTICE)
    assert sent.status_code == 201, sent.text
    notice_id = sent.json()["id"]
    receipt = mail_to(services, "marta@example.org")
    assert len(receipt) == 1 and f"notice {notice_id}" in receipt[0]["Subject"]

    # The notices queue, apart from the others; the comment stays up meanwhile.
    queue = moderator.http.get("/api/v1/moderation/queues/notices").json()["comments"]
    assert [c["id"] for c in queue] == [comment["id"]]
    listed = moderator.http.get("/api/v1/moderation/notices").json()["notices"]
    assert [(n["id"], n["category"], n["reporter_email"]) for n in listed] == [
        (notice_id, "defamation", "marta@example.org")
    ]
    assert moderator.http.get("/api/v1/moderation/overview").json()["counts"]["notices"] == 1

    path = f"/api/v1/moderation/notices/{notice_id}/decision"
    bare = moderator.http.post(path, json={"decision": "remove", "statement": "no"})
    assert bare.status_code == 422 and "statement of reasons" in bare.json()["detail"]
    decided = moderator.http.post(path, json={"decision": "remove", "statement": STATEMENT})
    assert decided.status_code == 200, decided.text
    assert decided.json()["mailed"] == ["author", "reporter"]
    again = moderator.http.post(path, json={"decision": "keep", "statement": STATEMENT})
    assert again.status_code == 409 and "already decided" in again.json()["detail"]

    assert anonymous.thread()["comments"] == []
    to_author = mail_to(services, "jan@example.org")[-1]
    assert "removed" in to_author["Subject"]
    text = to_author.get_body(("plain",)).get_content()
    assert STATEMENT in text and "no automated means" in text and "reported your comment" in text
    to_reporter = mail_to(services, "marta@example.org")[-1]
    assert STATEMENT in to_reporter.get_body(("plain",)).get_content()

    assert moderator.http.get("/api/v1/moderation/queues/notices").json()["comments"] == []
    decided_list = moderator.http.get("/api/v1/moderation/notices", params={"state": "decided"})
    assert decided_list.json()["notices"][0]["statement"] == STATEMENT
    audit = moderator.http.get("/api/v1/moderation/audit").json()["entries"]
    actions = [(e["action"], e["target_type"]) for e in audit]
    assert ("notice-remove", "notice") in actions
    assert ("reject", "comment") in actions
    assert ("notice", "notice") in actions


def test_keeping_a_comment_leaves_it_published(
    make_reader: Any, moderator: Reader, anonymous: Reader, services: Services
) -> None:
    comment = make_reader("Jan").post("The council's budget is a disgrace, vote them out.")
    reader = make_reader("Signed-in reader")
    sent = reader.http.post(
        f"/api/v1/comments/{comment['id']}/notices", json=NOTICE | {"category": "hate-speech"}
    )
    notice_id = sent.json()["id"]
    decided = moderator.http.post(
        f"/api/v1/moderation/notices/{notice_id}/decision",
        json={"decision": "keep", "statement": "Sharp political criticism, which the law allows."},
    )
    assert decided.status_code == 200
    assert [c["id"] for c in anonymous.thread()["comments"]] == [comment["id"]]
    assert "kept" in mail_to(services, "marta@example.org")[-1]["Subject"]


def test_a_notice_says_which_field_to_fix(make_reader: Any, anonymous: Reader) -> None:
    comment = make_reader().post("A comment someone will object to, about the mayor.")
    path = f"/api/v1/comments/{comment['id']}/notices"
    cases = [
        ({"category": "rude"}, "category", "Choose a category"),
        ({"explanation": "bad"}, "explanation", "at least 20 characters"),
        ({"reporter_name": " "}, "reporter_name", "Give your name"),
        ({"reporter_email": "marta"}, "reporter_email", "does not look like an email"),
        ({"good_faith": False}, "good_faith", "good faith"),
    ]
    for change, field, words in cases:
        answer = anonymous.http.post(path, json=NOTICE | change)
        assert answer.status_code == 422, field
        problem = answer.json()
        assert words in problem["detail"] and problem["errors"][0]["field"] == field
    assert anonymous.http.post("/api/v1/comments/999999/notices", json=NOTICE).status_code == 404


def test_the_notice_form_is_rate_limited_like_other_writes(app_with: Any) -> None:
    app, _ = app_with(rate_limits_enabled=True, rate_limit_post_ip="2/minute")
    comment = Reader(app).signup("Jan").post("A comment about the new tram line and its cost.")
    anonymous = Reader(app)
    path = f"/api/v1/comments/{comment['id']}/notices"
    assert [anonymous.http.post(path, json=NOTICE).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]


def test_the_notice_page_works_without_javascript(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    comment = make_reader("Jan").post("The mayor took bribes, I am **sure** of it.")
    page = anonymous.http.get("/notices/new", params={"comment": comment["id"]})
    assert page.status_code == 200
    assert "<strong>sure</strong>" in page.text and 'for="explanation"' in page.text
    form = {k: str(v) for k, v in NOTICE.items() if k != "good_faith"}
    refused = anonymous.http.post("/notices/new", data=form | {"comment": str(comment["id"])})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Marta Kowalska" in refused.text  # what was typed is kept
    sent = anonymous.http.post(
        "/notices/new", data=form | {"comment": str(comment["id"]), "good_faith": "yes"}
    )
    assert sent.status_code == 200 and "Notice received" in sent.text
    assert len(mail_to(services, "marta@example.org")) == 1
    assert anonymous.http.get("/notices/new", params={"comment": "999999"}).status_code == 404


def test_readers_cannot_see_or_decide_notices(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    reader = make_reader()
    for client, status in ((reader, 403), (anonymous, 401)):
        assert client.http.get("/api/v1/moderation/notices").status_code == status
        answer = client.http.post(
            "/api/v1/moderation/notices/1/decision", json={"decision": "keep", "statement": "x"}
        )
        assert answer.status_code == status
    admin = promote(services, make_reader("Admin"), "admin")
    assert admin.http.get("/api/v1/moderation/notices").status_code == 200


def test_a_site_moderator_features_and_decides_on_their_site_only(
    make_reader: Any, services: Services
) -> None:
    make_site(services, "kyiv")
    make_site(services, "lviv")
    author = make_reader("Author")
    ours = author.post("The tram depot story, on the Kyiv site.", thread="k", site="kyiv")
    theirs = author.post("The market hall story, on the Lviv site.", thread="l", site="lviv")
    sent = {}
    for comment in (ours, theirs):
        answer = make_reader().http.post(f"/api/v1/comments/{comment['id']}/notices", json=NOTICE)
        sent[comment["id"]] = answer.json()["id"]
    desk = site_moderator(services, make_reader("Kyiv desk"), "kyiv")

    listed = desk.http.get("/api/v1/moderation/notices").json()["notices"]
    assert [n["comment_id"] for n in listed] == [ours["id"]]
    assert feature_call(desk, ours["id"]).status_code == 200
    refused = feature_call(desk, theirs["id"])
    assert refused.status_code == 404 and "sites you moderate" in refused.json()["detail"]
    decision = {"decision": "keep", "statement": STATEMENT}
    path = "/api/v1/moderation/notices/{}/decision"
    assert desk.http.post(path.format(sent[ours["id"]]), json=decision).status_code == 200
    other = desk.http.post(path.format(sent[theirs["id"]]), json=decision)
    assert other.status_code == 404 and "sites you moderate" in other.json()["detail"]


def feature_call(who: Reader, comment_id: int) -> Any:
    return who.http.put(
        f"/api/v1/moderation/comments/{comment_id}/featured", json={"featured": True}
    )


def test_the_receipt_is_in_the_reporters_language(
    make_reader: Any, anonymous: Reader, services: Services
) -> None:
    comment = make_reader("Jan").post("The mayor took bribes from the builders, everyone knows it.")
    path = f"/api/v1/comments/{comment['id']}/notices"
    sent = anonymous.http.post(path, json=NOTICE, headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert sent.status_code == 201, sent.text
    (receipt,) = mail_to(services, "marta@example.org")
    assert receipt["Subject"] == f"Otrzymaliśmy Twoje zgłoszenie {sent.json()['id']}"
    assert "(kategoria: zniesławienie)" in receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]
