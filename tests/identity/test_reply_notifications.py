"""Readers hear about replies to their comments (#5): in the comment box, and (when they
ask) in one batched mail per ``reply_mail_minutes`` with a one-click unsubscribe. The mail
goes through a real SMTP server on loopback; the mail job runs as the app's loop runs it."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, StepClock, html_of, link_in, text_of
from tests.moderation.conftest import promote
from townhall.domain import reply_mail
from townhall.domain.services import Services
from townhall.notify.mail import SmtpMailer
from townhall.settings import Settings

ARTICLE = {
    "thread": "budget-2027",
    "title": "The 2027 budget",
    "url": "https://news.example.org/budget",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(public_url="http://testserver", reply_mail_minutes=15)


@pytest.fixture
def clock(services: Services) -> StepClock:
    services.clock = StepClock(services.clock.now_ms())
    return services.clock


def confirmed(reader: Reader, mailbox: Mailbox) -> Reader:
    """Follows the confirmation link the sign-up mailed."""
    assert reader.user is not None
    _, _, token = link_in(mailbox.last_to(reader.user["email"]))
    assert reader.http.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
    return reader


def reply_mails(mailbox: Mailbox, reader: Reader) -> list[EmailMessage]:
    assert reader.user is not None
    return [m for m in mailbox.to(reader.user["email"]) if m["List-Unsubscribe"]]


def comment(reader: Reader, body: str, parent_id: int | None = None) -> dict[str, Any]:
    extra = {"parent_id": parent_id} if parent_id else {}
    return reader.post(body, **ARTICLE, **extra)


@pytest.fixture
def olena(make_reader: Any, mailbox: Mailbox) -> Reader:
    reader = confirmed(make_reader("Olena"), mailbox)
    turned_on = reader.http.put("/api/v1/me/notify", json={"reply_email": True})
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json()["reply_email"] is True
    return reader


def test_two_replies_in_the_window_make_one_mail_and_a_third_another(
    olena: Reader, make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    taras = make_reader("Taras")
    mine = comment(olena, "Schools get less again.")
    first = comment(taras, "They get **more** in real terms.", mine["id"])
    clock.advance(60)
    second = comment(taras, "Page 14 of the draft says so.", mine["id"])

    assert reply_mail.send_due(services).mailed == 0  # the batch is still open
    clock.advance(15 * 60)
    result = reply_mail.send_due(services)
    assert (result.mailed, result.replies) == (1, 2)
    assert reply_mail.send_due(services).mailed == 0  # nothing twice

    [mail] = reply_mails(mailbox, olena)
    assert mail["Subject"] == "2 new replies to your comments"
    text = text_of(mail)
    assert "Taras replied on “The 2027 budget”" in text
    assert "They get more in real terms." in text and "Page 14 of the draft says so." in text
    assert f"https://news.example.org/budget#townhall-comment-{first['id']}" in text
    assert f"#townhall-comment-{second['id']}" in html_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")

    clock.advance(60)
    comment(taras, "And a third thought.", mine["id"])
    assert reply_mail.send_due(services).mailed == 0
    clock.advance(15 * 60)
    assert reply_mail.send_due(services).mailed == 1
    mails = reply_mails(mailbox, olena)
    assert len(mails) == 2
    assert mails[1]["Subject"] == "1 new reply to your comments"
    assert "And a third thought." in text_of(mails[1])
    assert "Page 14" not in text_of(mails[1])


def test_a_held_reply_tells_nobody_until_a_moderator_approves_it(
    olena: Reader, make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    mine = comment(olena, "Schools get less again.")
    moderator = promote(services, make_reader("Mod"))
    held_mode = {"thread": ARTICLE["thread"], "mode": "premoderated"}
    assert moderator.http.put("/api/v1/moderation/threads/mode", json=held_mode).status_code == 200
    held = comment(make_reader("Taras"), "A reply that waits.", mine["id"])
    assert held["status"] == "pending"

    clock.advance(16 * 60)
    assert olena.http.get("/api/v1/notifications").json()["unread"] == 0
    assert reply_mail.send_due(services).mailed == 0

    decision = {"comment_ids": [held["id"]], "action": "approve"}
    assert moderator.http.post("/api/v1/moderation/decisions", json=decision).status_code == 200
    listed = olena.http.get("/api/v1/notifications").json()
    assert listed["unread"] == 1
    assert listed["notifications"][0]["comment_id"] == held["id"]
    clock.advance(16 * 60)
    assert reply_mail.send_due(services).mailed == 1
    assert "A reply that waits." in text_of(reply_mails(mailbox, olena)[0])


def test_a_rejected_reply_tells_nobody(
    olena: Reader, make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    mine = comment(olena, "Schools get less again.")
    moderator = promote(services, make_reader("Mod"))
    held_mode = {"thread": ARTICLE["thread"], "mode": "premoderated"}
    moderator.http.put("/api/v1/moderation/threads/mode", json=held_mode)
    held = comment(make_reader("Troll"), "Rubbish.", mine["id"])
    decision = {"comment_ids": [held["id"]], "action": "reject"}
    assert moderator.http.post("/api/v1/moderation/decisions", json=decision).status_code == 200
    clock.advance(16 * 60)
    assert olena.http.get("/api/v1/notifications").json()["notifications"] == []
    assert reply_mail.send_due(services).mailed == 0


def test_replying_to_yourself_notifies_nobody(
    olena: Reader, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    mine = comment(olena, "Schools get less again.")
    comment(olena, "Correction: less in two regions.", mine["id"])
    clock.advance(16 * 60)
    assert olena.http.get("/api/v1/notifications").json() == {
        "notifications": [],
        "unread": 0,
        "next": None,
    }
    assert reply_mail.send_due(services).mailed == 0
    assert reply_mails(mailbox, olena) == []


def test_one_click_unsubscribe_stops_the_mail_and_opening_the_link_does_not(
    olena: Reader,
    make_reader: Any,
    app: Any,
    mailbox: Mailbox,
    services: Services,
    clock: StepClock,
) -> None:
    taras = make_reader("Taras")
    mine = comment(olena, "Schools get less again.")
    comment(taras, "First answer.", mine["id"])
    clock.advance(16 * 60)
    reply_mail.send_due(services)
    [mail] = reply_mails(mailbox, olena)
    url = mail["List-Unsubscribe"].strip("<>")
    assert url in text_of(mail)

    # A link scanner (or the reader) opens it: a page with a button, nothing changes.
    scanner = TestClient(app)
    page = scanner.get(url)
    assert page.status_code == 200
    assert '<form method="post" action="/unsubscribe/' in page.text
    assert olena.http.get("/api/v1/me/notify").json()["reply_email"] is True

    # A forged or cut token is refused.
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert scanner.post(forged, data={"List-Unsubscribe": "One-Click"}).status_code == 400

    # The mail client's one-click POST (RFC 8058): no cookies, no Origin, no session.
    mail_client = TestClient(app)
    done = mail_client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert "Reply mail is off" in done.text
    assert olena.http.get("/api/v1/me/notify").json()["reply_email"] is False

    comment(taras, "Second answer.", mine["id"])
    clock.advance(16 * 60)
    assert reply_mail.send_due(services).mailed == 0
    assert len(reply_mails(mailbox, olena)) == 1
    # The in-box list still has both.
    assert olena.http.get("/api/v1/notifications").json()["unread"] == 2


def test_reply_mail_needs_a_confirmed_address(make_reader: Any) -> None:
    reader = make_reader("Unconfirmed")
    refused = reader.http.put("/api/v1/me/notify", json={"reply_email": True})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/email-not-verified")
    assert reader.user is not None and reader.user["email"] in refused.json()["detail"]
    assert reader.http.get("/api/v1/me/notify").json()["reply_email"] is False
    assert reader.http.put("/api/v1/me/notify", json={"reply_email": "yes"}).status_code == 422


def test_notifications_page_and_mark_read(
    olena: Reader, make_reader: Any, anonymous: Reader, clock: StepClock
) -> None:
    taras = make_reader("Taras")
    mine = comment(olena, "Schools get less again.")
    replies = []
    for n in range(5):
        clock.advance(1)
        replies.append(comment(taras, f"Answer number {n}.", mine["id"]))

    first = olena.http.get("/api/v1/notifications", params={"limit": 2}).json()
    assert first["unread"] == 5
    assert [n["comment_id"] for n in first["notifications"]] == [replies[4]["id"], replies[3]["id"]]
    item = first["notifications"][0]
    assert item["author"]["name"] == "Taras"
    assert item["excerpt"] == "Answer number 4."
    assert item["thread"] == {
        "key": ARTICLE["thread"],
        "title": ARTICLE["title"],
        "url": ARTICLE["url"],
    }
    assert item["link"] == f"{ARTICLE['url']}#townhall-comment-{replies[4]['id']}"
    assert item["read"] is False
    second = olena.http.get(
        "/api/v1/notifications", params={"limit": 2, "before": first["next"]}
    ).json()
    third = olena.http.get(
        "/api/v1/notifications", params={"limit": 2, "before": second["next"]}
    ).json()
    assert [n["comment_id"] for n in second["notifications"] + third["notifications"]] == [
        r["id"] for r in reversed(replies[:3])
    ]
    assert third["next"] is None

    marked = olena.http.post("/api/v1/notifications/read", json={"ids": [item["id"]]}).json()
    assert marked == {"marked": 1, "unread": 4}
    assert olena.http.post("/api/v1/notifications/read", json={"all": True}).json() == {
        "marked": 4,
        "unread": 0,
    }
    # Nobody else's notifications: Taras has none, and cannot mark Olena's.
    assert taras.http.post("/api/v1/notifications/read", json={"all": True}).json()["marked"] == 0
    # Bad input says what to fix; signed out is a 401.
    neither = olena.http.post("/api/v1/notifications/read", json={})
    assert neither.status_code == 422 and "all" in neither.json()["detail"]
    assert olena.http.get("/api/v1/notifications", params={"limit": 0}).status_code == 422
    assert anonymous.http.get("/api/v1/notifications").status_code == 401
    assert anonymous.http.post("/api/v1/notifications/read", json={"all": True}).status_code == 401


def test_deleted_reply_leaves_the_list(olena: Reader, make_reader: Any) -> None:
    taras = make_reader("Taras")
    mine = comment(olena, "Schools get less again.")
    reply = comment(taras, "Oops, wrong thread.", mine["id"])
    assert olena.http.get("/api/v1/notifications").json()["unread"] == 1
    assert taras.http.delete(f"/api/v1/comments/{reply['id']}").status_code == 204
    assert olena.http.get("/api/v1/notifications").json() == {
        "notifications": [],
        "unread": 0,
        "next": None,
    }


def test_my_comments_page_lists_comments_with_their_replies(
    olena: Reader, make_reader: Any, services: Services
) -> None:
    taras = make_reader("Taras")
    first = comment(olena, "Schools get less again.")
    comment(taras, "Not in my town.", first["id"])
    moderator = promote(services, make_reader("Mod"))
    other = {
        "thread": "rail-strike",
        "title": "Rail strike",
        "url": "https://news.example.org/rail",
    }
    olena.post("Trains first.", **other)
    moderator.http.put(
        "/api/v1/moderation/threads/mode", json={"thread": "rail-strike", "mode": "premoderated"}
    )
    olena.post("A second thought, held.", **other)

    data = olena.http.get("/api/v1/me/comments", params={"limit": 2}).json()
    assert [c["status"] for c in data["comments"]] == ["pending", "visible"]
    assert data["comments"][0]["thread"]["title"] == "Rail strike"
    assert data["next"] is not None
    rest = olena.http.get("/api/v1/me/comments", params={"before": data["next"]}).json()
    [budget] = rest["comments"]
    assert [r["author"]["name"] for r in budget["replies"]] == ["Taras"]

    page = olena.http.get("/me")
    assert page.status_code == 200
    assert "Held for review" in page.text
    assert "Not in my town." in page.text
    assert 'href="https://news.example.org/budget"' in page.text
    # Signed out: a sign-in form, which signs in on this origin and comes back here.
    stranger = Reader(olena.http.app)
    form = stranger.http.get("/me")
    assert '<form method="post" action="/me">' in form.text
    assert olena.user is not None
    signed = stranger.http.post(
        "/me", data={"email": olena.user["email"], "password": "correct horse"}
    )
    assert signed.status_code == 200 and "Not in my town." in signed.text
    wrong = Reader(olena.http.app).http.post(
        "/me", data={"email": "x@example.org", "password": "no"}
    )
    assert wrong.status_code == 401 and 'role="alert"' in wrong.text


def test_two_nodes_running_the_job_at_once_send_one_mail(
    olena: Reader, make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    mine = comment(olena, "Schools get less again.")
    comment(make_reader("Taras"), "They get more.", mine["id"])
    clock.advance(16 * 60)
    # A second node: its own engine and mailer on the same database and SMTP server.
    other = Services.build(services.settings)
    other.clock = clock
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(reply_mail.send_due, [services, other, services, other]))
    finally:
        other.close()
    assert sum(r.mailed for r in results) == 1
    assert len(reply_mails(mailbox, olena)) == 1


def test_a_mail_the_smtp_server_refuses_goes_out_on_a_later_pass(
    olena: Reader, make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    mine = comment(olena, "Schools get less again.")
    comment(make_reader("Taras"), "They get more.", mine["id"])
    clock.advance(16 * 60)
    working = services.mailer
    with socket.socket() as closed:  # a port nothing listens on: the SMTP server is down
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    services.mailer = SmtpMailer(host="127.0.0.1", port=port, sender="t@example.org", timeout=2)
    down = reply_mail.send_due(services)
    assert (down.mailed, down.failed) == (0, 1)
    services.mailer = working
    clock.advance(60)
    assert reply_mail.send_due(services).mailed == 1
    assert "They get more." in text_of(reply_mails(mailbox, olena)[0])


def test_the_reply_mail_is_in_the_language_the_reader_chose_it_in(
    make_reader: Any, mailbox: Mailbox, services: Services, clock: StepClock
) -> None:
    """The box sends its language when the reader turns the mail on; a reader who turned it
    on from a Ukrainian page gets Ukrainian mail, whatever the server's own language (#9)."""
    oksana = confirmed(make_reader("Oksana"), mailbox)
    turned_on = oksana.http.put("/api/v1/me/notify", json={"reply_email": True, "language": "uk"})
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json()["language"] == "uk"
    mine = comment(oksana, "The ferry timetable changed again.")
    comment(make_reader("Taras"), "It did, and nobody said.", mine["id"])
    clock.advance(16 * 60)
    assert reply_mail.send_due(services).mailed == 1
    [mail] = reply_mails(mailbox, oksana)
    assert mail["Subject"] == "1 нова відповідь на ваші коментарі"
    assert '<html lang="uk" dir="ltr">' in html_of(mail)


def test_without_a_language_the_reply_mail_follows_accept_language_and_refuses_unknown_ones(
    make_reader: Any, mailbox: Mailbox
) -> None:
    reader = confirmed(make_reader("Jan"), mailbox)
    german = reader.http.put(
        "/api/v1/me/notify", json={"reply_email": True}, headers={"Accept-Language": "de-AT"}
    )
    assert german.json()["language"] == "de"
    unknown = reader.http.put("/api/v1/me/notify", json={"reply_email": True, "language": "tlh"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "language"
    assert reader.http.get("/api/v1/me/notify").json()["language"] == "de"
