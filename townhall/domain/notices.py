"""Illegal-content notices under the EU Digital Services Act: anyone may send one about a
comment (Art. 16: category, explanation, contact, a good-faith statement); moderators
decide in a queue of their own, and the statement of reasons (Art. 17) is mailed to the
comment's author and to the reporter. Everything lands in the audit log."""

from __future__ import annotations

from typing import Any

from townhall import events
from townhall.domain import staff
from townhall.domain.access import access_see, access_site, moderated_site_ids
from townhall.domain.accounts import normalise_email
from townhall.domain.moderation import _decide
from townhall.domain.services import Services
from townhall.errors import Conflict, InvalidInput, NotFound
from townhall.i18n import N_, problem
from townhall.notify import notice_mail
from townhall.store import comments as comment_store
from townhall.store import moderation as moderation_store
from townhall.store import notices as store
from townhall.store import threads as thread_store
from townhall.store import users as user_store

# The kinds of illegal content a reader may name; "other" needs the law named in the text.
# English labels, translated in the mail's language (townhall/notify/notice_mail.py).
CATEGORIES = {
    "hate-speech": N_("illegal hate speech or incitement to violence"),
    "terrorism": N_("terrorist content"),
    "child-abuse": N_("child sexual abuse material"),
    "threats": N_("threats or harassment"),
    "defamation": N_("defamation"),
    "privacy": N_("personal data or intimate images shared without consent"),
    "intellectual-property": N_("infringement of copyright or other intellectual property"),
    "fraud": N_("scams or fraud"),
    "other": N_("other illegal content"),
}
DECISIONS = ("remove", "keep")
MIN_EXPLANATION = 20
MAX_EXPLANATION = 5000
MIN_STATEMENT = 20
MAX_STATEMENT = 5000
MAX_NAME = 200


def _field(field: str, message: str, detail: str, **values: object) -> InvalidInput:
    """The detail is an N_-marked sentence, so the notice page shows it translated."""
    return problem(InvalidInput, detail, errors=[{"field": field, "message": message}], **values)


def check_notice(
    *, category: str, explanation: str, reporter_name: str, reporter_email: str, good_faith: bool
) -> dict[str, Any]:
    """The notice's fields, cleaned; InvalidInput naming the first field to fix."""
    if category not in CATEGORIES:
        raise _field(
            "category",
            "Pick one of the listed kinds of illegal content.",
            N_("Choose a category: %(choices)s."),
            choices=", ".join(CATEGORIES),
        )
    explanation = explanation.strip()
    if len(explanation) < MIN_EXPLANATION:
        raise _field(
            "explanation",
            f"Write at least {MIN_EXPLANATION} characters.",
            N_(
                "Explain why the comment is illegal, in at least %(low)s characters (which"
                " words, which law if you know it)."
            ),
            low=MIN_EXPLANATION,
        )
    if len(explanation) > MAX_EXPLANATION:
        raise _field(
            "explanation",
            f"Shorten it to {MAX_EXPLANATION:,} characters.",
            N_("The explanation is %(length)s characters; the limit is %(high)s."),
            length=f"{len(explanation):,}",
            high=f"{MAX_EXPLANATION:,}",
        )
    name = " ".join(reporter_name.split())
    if not name or len(name) > MAX_NAME:
        raise _field(
            "reporter_name",
            "Write your name.",
            N_("Give your name (1 to %(high)s characters); the law asks for it."),
            high=MAX_NAME,
        )
    try:
        email = normalise_email(reporter_email)
    except InvalidInput as exc:
        exc.errors = [
            {"field": "reporter_email", "message": "Enter an email address like name@example.org."}
        ]
        raise exc from None
    if not good_faith:
        raise _field(
            "good_faith",
            "Tick the statement to confirm it.",
            N_("Confirm that you believe in good faith that the notice is accurate and complete."),
        )
    return {
        "category": category,
        "explanation": explanation,
        "reporter_name": name,
        "reporter_email": email,
    }


def submit_notice(
    services: Services,
    *,
    user: dict[str, Any] | None,
    comment_id: int,
    category: str,
    explanation: str,
    reporter_name: str,
    reporter_email: str,
    good_faith: bool,
    remote_addr: str | None,
    lang: str | None = None,
) -> dict[str, Any]:
    """Anyone, signed in or not, may send a notice; it is rate-limited per address like
    other writes, and a receipt goes to the reporter in ``lang`` (the request's language),
    else in the ``language`` setting."""
    fields = check_notice(
        category=category,
        explanation=explanation,
        reporter_name=reporter_name,
        reporter_email=reporter_email,
        good_faith=good_faith,
    )
    if remote_addr:
        services.limiter.hit(
            str(services.settings.rate_limit_post_ip), "notice-ip", remote_addr, "notices"
        )
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row = comment_store.by_id(conn, comment_id)
        if row is None:
            raise NotFound(f"There is no comment {comment_id}.")
        access_see(user, row)
        thread = thread_store.by_id(conn, row["thread_id"])
        assert thread is not None  # noqa: S101
        notice_id = store.add_notice(
            conn,
            site_id=thread["site_id"],
            comment_id=comment_id,
            reporter_id=user["id"] if user else None,
            good_faith=True,
            created_at=now,
            **fields,
        )
        moderation_store.audit(
            conn,
            site_id=thread["site_id"],
            actor_id=user["id"] if user else None,
            action="notice",
            target_type="notice",
            target_id=notice_id,
            reason=f"Comment {comment_id}: {fields['category']}",
            now=now,
        )
    services.mailer.send(
        notice_mail.receipt(
            to=fields["reporter_email"],
            name=fields["reporter_name"],
            notice_id=notice_id,
            comment_id=comment_id,
            category=CATEGORIES[fields["category"]],
            lang=lang or str(services.settings.language),
        )
    )
    return {"id": notice_id, "comment_id": comment_id, "status": "received"}


def list_notices(
    services: Services, *, user: dict[str, Any] | None, decided: bool = False
) -> list[dict[str, Any]]:
    scope = moderated_site_ids(staff.actor(services, user))
    with services.db.read() as conn:
        return store.notices(conn, decided=decided, site_ids=scope)


def decide_notice(
    services: Services,
    *,
    user: dict[str, Any] | None,
    notice_id: int,
    decision: str,
    statement: str,
) -> dict[str, Any]:
    """Remove the comment or keep it, with a statement of reasons; in one transaction, then
    the statement is mailed to the comment's author and to the reporter."""
    actor = staff.actor(services, user)
    if decision not in DECISIONS:
        raise _field(
            "decision", "Choose remove or keep.", N_("The decision must be remove or keep.")
        )
    statement = statement.strip()
    if len(statement) < MIN_STATEMENT or len(statement) > MAX_STATEMENT:
        raise _field(
            "statement",
            f"Write {MIN_STATEMENT} to {MAX_STATEMENT:,} characters.",
            "Give the statement of reasons the author and the reporter will receive"
            f" ({MIN_STATEMENT} to {MAX_STATEMENT:,} characters): the facts, and the law or"
            " the site rule the decision rests on.",
        )
    now = services.clock.now_ms()
    published: list[events.Event] = []
    with services.db.write() as conn:
        notice = store.notice_by_id(conn, notice_id)
        if notice is None:
            where = "" if moderated_site_ids(actor) is None else " on the sites you moderate"
            raise NotFound(f"There is no notice {notice_id}{where}.")
        access_site(actor, notice["site_id"], f"notice {notice_id}")
        if not store.decide_notice(
            conn,
            notice_id=notice_id,
            decision=decision,
            statement=statement,
            actor_id=actor["id"],
            now=now,
        ):
            raise Conflict(
                f"Notice {notice_id} was already decided ({notice['decision']}); reload the queue."
            )
        if decision == "remove" and notice["comment_status"] in ("visible", "pending"):
            reason = f"Illegal-content notice {notice_id}: {statement}"[:1000]
            published = _decide(
                services, conn, actor, [notice["comment_id"]], "reject", reason, now
            )
            services.events.stage(conn, *published)
        moderation_store.audit(
            conn,
            site_id=notice["site_id"],
            actor_id=actor["id"],
            action=f"notice-{decision}",
            target_type="notice",
            target_id=notice_id,
            reason=statement[:1000],
            now=now,
        )
        author = (
            user_store.by_id(conn, notice["comment_author_id"])
            if notice["comment_author_id"]
            else None
        )
    for event in published:
        services.events.publish(event)
    common = {
        "notice_id": notice_id,
        "comment_id": notice["comment_id"],
        "category": CATEGORIES.get(notice["category"], notice["category"]),
        "decision": decision,
        "statement": statement,
        "body": notice["comment_body"],
        # The moderator's request says nothing of the readers' languages: the site's (#9).
        "lang": str(services.settings.language),
    }
    mailed = []
    if author is not None:
        services.mailer.send(
            notice_mail.statement_of_reasons(
                to=author["email"], name=author["name"], to_author=True, **common
            )
        )
        mailed.append("author")
    services.mailer.send(
        notice_mail.statement_of_reasons(
            to=notice["reporter_email"], name=notice["reporter_name"], to_author=False, **common
        )
    )
    mailed.append("reporter")
    return {"id": notice_id, "decision": decision, "decided_at": now, "mailed": mailed}
