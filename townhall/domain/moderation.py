"""Moderation verbs: screen a comment, approve, reject, decide a cluster, report, set a
user's standing and a story's mode; every moderator action lands in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from townhall import events
from townhall.domain import site_settings, staff
from townhall.domain.access import (
    STAFF,
    access_see,
    access_signed_in,
    access_site,
    moderated_site_ids,
)
from townhall.domain.services import Services
from townhall.errors import CommentNudge, Forbidden, InvalidInput, NotFound
from townhall.moderation.pipeline import Pipeline, Submission, Verdict
from townhall.moderation.stages import default_pipeline
from townhall.settings import Settings
from townhall.store import comments as comment_store
from townhall.store import moderation as store
from townhall.store import threads as thread_store
from townhall.store import users as user_store

REPORT_REASONS = ("abuse", "spam", "off-topic", "misinformation", "other")
STANDINGS = ("warned", "premoderated", "suspended", "banned")
MODES = ("open", "premoderated", "closed")
DAY_MS = 86_400_000
STANDING_WINDOW = 10
# Stages whose holds are waits for review rather than objections to the text.
WAIT_STAGES = ("standing", "mode")


def access_moderate(user: dict[str, Any] | None) -> dict[str, Any]:
    """Global moderators and admins only. The verbs that know the site of what they touch
    take site moderators too (staff.actor, then access_site)."""
    actor = access_signed_in(user, "moderate")
    if actor["role"] not in STAFF:
        raise Forbidden("Only moderators and admins may do this.")
    return actor


def pipeline_for(services: Services) -> Pipeline:
    """One pipeline per Services, built on first use (the classifier loads then, once)."""
    found: Pipeline | None = getattr(services, "moderation_pipeline", None)
    if found is None:
        found = default_pipeline(services.settings)
        services.moderation_pipeline = found  # type: ignore[attr-defined]
    return found


def site_pipeline(services: Services, settings: Settings) -> Pipeline:
    """The shared pipeline (pipeline_for, where plugins register) for a site with settings of
    its own (site_settings): the same stages in the same order, the built-in ones made from
    the site's values; once per distinct set of values."""
    shared = pipeline_for(services)
    if settings is services.settings:
        return shared
    built: dict[str, Pipeline] = services.__dict__.setdefault("site_pipelines", {})
    key = repr(sorted((name, settings.values[name]) for name in site_settings.FIELDS))
    if key not in built:
        own = {type(stage): stage for stage in default_pipeline(settings).stages}
        pipeline = Pipeline()
        for stage in shared.stages:
            pipeline.register(own.get(type(stage), stage))
        built[key] = pipeline
    return built[key]


def warm_up(services: Services) -> None:
    """Load the shipped models at start-up, so no reader's first comment waits for them."""
    from townhall.moderation.classifier import language_guesser, shipped_model

    pipeline_for(services)
    shipped_model()
    language_guesser()


# --- the hook in post_comment / edit_comment ---------------------------------------------
def analyse(services: Services, body: str) -> dict[str, Any]:
    """What the stages compute from the text alone, computed before the comment's write
    transaction (#7); ``screen`` hands it to them through the submission's memo."""
    from townhall.moderation.classifier import language_guesser, shipped_model
    from townhall.moderation.minhash import signature
    from townhall.moderation.text import count_links, count_mentions, normalise, shouting

    language = language_guesser().guess(body)
    found: dict[str, Any] = {
        "normalised": normalise(body),
        "signature": signature(body),
        "language": language,
        "links": count_links(body),
        "mentions": count_mentions(body),
        "shouting": shouting(body),
    }
    if language in ("en", "und"):
        found["toxicity"] = shipped_model().score(body)
    return found


def screen(
    services: Services,
    conn: Connection,
    *,
    author: dict[str, Any],
    site_id: int,
    thread: dict[str, Any],
    body: str,
    now: int,
    remote_addr: str | None = None,
    network: str | None = None,
    comment_id: int | None = None,
    analysis: dict[str, Any] | None = None,
) -> Verdict:
    """``analysis``: what ``analyse`` found in the body, if the caller ran it already."""
    settings = site_settings.for_site(services, conn, site_id)
    submission = Submission(
        conn=conn,
        settings=settings,
        body=body,
        author=author,
        site_id=site_id,
        thread=thread,
        now=now,
        remote_addr=remote_addr,
        network=network,
        comment_id=comment_id,
        _cache=dict(analysis or {}),
    )
    verdict = site_pipeline(services, settings).run(submission)
    verdict.account_new = submission.account_new  # type: ignore[attr-defined]
    verdict.network = submission.network  # type: ignore[attr-defined]
    return verdict


def lock_counted_threads(conn: Connection, *, thread_id: int, verdict: Verdict) -> None:
    """Before a post changes any count: locks its thread and the threads of the similar
    comments it will pull back, in id order. Two posts pulling back each other's articles'
    comments otherwise take the thread rows in opposite orders and PostgreSQL aborts one of
    them as a deadlock, a 500 for its author (#8)."""
    if verdict.cluster is None:
        return
    members = store.comments_by_ids(conn, sorted(set(verdict.cluster["members"])))
    thread_store.lock(conn, sorted({thread_id} | {row["thread_id"] for row in members}))


def _shift_counts(conn: Connection, row: dict[str, Any], delta: int) -> None:
    thread_store.add_to_count(conn, row["thread_id"], delta)
    if row["parent_id"] is not None:
        comment_store.add_to_reply_count(conn, row["parent_id"], delta)


def held_by(verdict: Verdict) -> str | None:
    """Who holds a comment: the pipeline (its rules, classifier, spam or brigading stages
    objected; the "held" queue) or a wait (a pre-moderated story or user, a new account's
    first comment; the "pending" queue). None when it is published or rejected."""
    if verdict.status != "pending":
        return None
    if verdict.cluster or any(f.stage not in WAIT_STAGES for f in verdict.findings):
        return store.HELD_BY_PIPELINE
    return "wait"


def record(
    services: Services,
    conn: Connection,
    *,
    comment_id: int,
    verdict: Verdict,
    site_id: int,
    thread_id: int,
    author_id: int,
    now: int,
    new: bool = False,
) -> list[events.Event]:
    """Store what the pipeline found; hold the cluster it found. Returns events to publish
    after commit (comments pulled back from readers). ``new``: a comment just inserted, with
    no earlier check to replace."""
    store.record_check(
        conn,
        replace=not new,
        comment_id=comment_id,
        reasons=verdict.reasons(),
        site_id=site_id,
        thread_id=thread_id,
        author_id=author_id,
        toxicity=verdict.toxicity,
        language=verdict.language,
        signature=verdict.signature,
        account_new=bool(getattr(verdict, "account_new", False)),
        network=getattr(verdict, "network", None),
        held_by=held_by(verdict),
        created_at=now,
    )
    if verdict.bands:
        store.add_bands(
            conn,
            site_id=site_id,
            comment_id=comment_id,
            keys=verdict.bands,
            now=now,
            replace=not new,
        )
    if verdict.cluster is None:
        return []
    cluster = verdict.cluster
    cluster_id = cluster["existing"] or store.create_cluster(
        conn,
        site_id=site_id,
        thread_id=cluster["thread_id"],
        kind=cluster["kind"],
        label=cluster["label"],
        now=now,
    )
    members = sorted(set(cluster["members"]) | {comment_id})
    store.join_cluster(conn, members, cluster_id)
    published = []
    reason = "Several similar comments arrived at once; a moderator will look at them."
    for row in store.comments_by_ids(conn, members):
        if row["id"] != comment_id and row["status"] == "visible":
            store.set_status(conn, [row["id"]], "pending", reason)
            _shift_counts(conn, row, -1)
            published.append(
                events.CommentModerated(
                    site_id, row["thread_id"], row["id"], "pending", "held", "pipeline"
                )
            )
    return published


# --- moderator verbs ---------------------------------------------------------------------
def _audit(
    conn: Connection,
    actor: dict[str, Any],
    action: str,
    target_type: str,
    target_id: int,
    reason: str | None,
    now: int,
    site_id: int | None = None,
) -> None:
    store.audit(
        conn,
        site_id=site_id,
        actor_id=actor["id"],
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        now=now,
    )


def _decide(
    services: Services,
    conn: Connection,
    actor: dict[str, Any],
    comment_ids: list[int],
    action: str,
    reason: str | None,
    now: int,
) -> list[events.Event]:
    target = "visible" if action == "approve" else "rejected"
    published: list[events.Event] = []
    rows = store.comments_by_ids(conn, comment_ids)
    if len(rows) != len(set(comment_ids)):
        missing = sorted(set(comment_ids) - {r["id"] for r in rows})
        raise NotFound(f"There is no comment {missing[0]}.")
    for row in rows:
        if row["status"] == "deleted":
            raise InvalidInput(f"Comment {row['id']} was deleted by its author; nothing to decide.")
        thread = thread_store.by_id(conn, row["thread_id"])
        assert thread is not None  # noqa: S101
        access_site(actor, thread["site_id"], f"comment {row['id']}")
        if row["status"] != target:
            if row["status"] == "visible":
                _shift_counts(conn, row, -1)
            if target == "visible":
                _shift_counts(conn, row, +1)
            store.set_status(conn, [row["id"]], target, None)
        store.resolve_reports(conn, [row["id"]], now)
        _audit(conn, actor, action, "comment", row["id"], reason, now, thread["site_id"])
        published.append(
            events.CommentModerated(thread["site_id"], thread["id"], row["id"], target, action)
        )
        if action == "reject" and row["author_id"] is not None:
            _update_standing(services, conn, row["author_id"], now)
    return published


def _update_standing(services: Services, conn: Connection, author_id: int, now: int) -> None:
    """An author whose recent comments are mostly rejected is pre-moderated automatically;
    a moderator sees it in the standing list and can lift it."""
    if store.standing(conn, author_id) is not None:
        return
    recent = store.recent_decisions(conn, author_id=author_id, limit=STANDING_WINDOW)
    rejected = recent.count("rejected")
    if len(recent) >= 3 and rejected / len(recent) >= float(
        services.settings.moderation_standing_rejections
    ):
        store.set_standing(
            conn,
            user_id=author_id,
            state="premoderated",
            until=None,
            reason=f"{rejected} of the last {len(recent)} comments were rejected.",
            automatic=True,
            now=now,
        )


def decide(
    services: Services,
    *,
    user: dict[str, Any] | None,
    comment_ids: list[int],
    action: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """Approve or reject one comment or a multi-selection, in one transaction."""
    actor = staff.actor(services, user)
    if action not in ("approve", "reject"):
        raise InvalidInput("The action must be approve or reject.")
    if not comment_ids:
        raise InvalidInput("Choose at least one comment.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        published = _decide(services, conn, actor, comment_ids, action, reason, now)
        services.events.stage(conn, *published)
    for event in published:
        services.events.publish(event)
    return {"decided": len(published), "status": "visible" if action == "approve" else "rejected"}


def decide_cluster(
    services: Services,
    *,
    user: dict[str, Any] | None,
    cluster_id: int,
    action: str,
    reason: str | None = None,
) -> dict[str, Any]:
    actor = staff.actor(services, user)
    if action not in ("approve", "reject"):
        raise InvalidInput("The action must be approve or reject.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        cluster = store.cluster_by_id(conn, cluster_id)
        if cluster is None:
            raise NotFound(f"There is no cluster {cluster_id}.")
        access_site(actor, cluster["site_id"], f"cluster {cluster_id}")
        members = [
            r["id"]
            for r in store.comments_by_ids(conn, store.cluster_members(conn, cluster_id))
            if r["status"] in ("pending", "visible")
        ]
        published = _decide(services, conn, actor, members, action, reason, now)
        store.resolve_cluster(conn, cluster_id, now)
        _audit(conn, actor, action, "cluster", cluster_id, reason, now, cluster["site_id"])
        services.events.stage(conn, *published)
    for event in published:
        services.events.publish(event)
    return {"decided": len(published), "status": "visible" if action == "approve" else "rejected"}


def report(
    services: Services,
    *,
    user: dict[str, Any] | None,
    comment_id: int,
    reason: str,
    text: str | None,
) -> dict[str, Any]:
    reporter = access_signed_in(user, "report comments")
    if reason not in REPORT_REASONS:
        raise InvalidInput(
            f"Choose a reason: {', '.join(REPORT_REASONS)}.",
            errors=[{"field": "reason", "message": "Pick one of the listed reasons."}],
        )
    if reason == "other" and not (text or "").strip():
        raise InvalidInput(
            "Say in a few words what is wrong when the reason is 'other'.",
            errors=[{"field": "text", "message": "Describe the problem."}],
        )
    now = services.clock.now_ms()
    with services.db.write() as conn:
        row = comment_store.by_id(conn, comment_id)
        if row is None:
            raise NotFound(f"There is no comment {comment_id}.")
        access_see(reporter, row)
        if row["author_id"] == reporter["id"]:
            raise InvalidInput("You cannot report your own comment; edit or delete it instead.")
        store.add_report(
            conn,
            comment_id=comment_id,
            reporter_id=reporter["id"],
            reason=reason,
            text=(text or "").strip() or None,
            now=now,
        )
        count = len(store.open_reports(conn, comment_id))
    return {"reported": True, "open_reports": count}


def set_standing(
    services: Services,
    *,
    user: dict[str, Any] | None,
    user_id: int,
    state: str | None,
    days: float | None = None,
    reason: str | None = None,
    reject_comments: bool = False,
) -> dict[str, Any]:
    """Warn, pre-moderate, suspend for a period, ban (optionally rejecting everything the
    user wrote), or clear the standing with ``state=None``. A site moderator acts on the
    users who wrote on their sites; the standing is the account's, but "reject comments"
    rejects only what it wrote on those sites."""
    actor = staff.actor(services, user)
    if state is not None and state not in STANDINGS:
        raise InvalidInput(f"The standing must be one of {', '.join(STANDINGS)}, or none.")
    now = services.clock.now_ms()
    until = now + int(days * DAY_MS) if days else None
    with services.db.write() as conn:
        staff.access_user(conn, actor, user_id)
        before = (store.standing(conn, user_id) or {}).get("state")
        store.set_standing(
            conn, user_id=user_id, state=state, until=until, reason=reason, automatic=False, now=now
        )
        _audit(conn, actor, state or "clear-standing", "user", user_id, reason, now)
        published: list[events.Event] = []
        if reject_comments:
            scope = moderated_site_ids(actor)
            ids = store.author_comment_ids(conn, user_id, ("visible", "pending"), scope)
            if ids:
                published = _decide(services, conn, actor, ids, "reject", reason or state, now)
        if "banned" in (state, before) and state != before:
            ban = events.UserBanned(user_id, state == "banned", until, reason)
            services.events.stage(conn, ban)
        services.events.stage(conn, *published)
    for event in published:
        services.events.publish(event)
    return {"user_id": user_id, "state": state, "until": until, "rejected": len(published)}


def set_thread_mode(
    services: Services,
    *,
    user: dict[str, Any] | None,
    site: dict[str, Any],
    thread_key: str,
    mode: str,
    message: str | None = None,
) -> dict[str, Any]:
    actor = staff.actor(services, user)
    access_site(actor, site["id"], f"story {thread_key!r}")
    if mode not in MODES:
        raise InvalidInput(f"The mode must be one of {', '.join(MODES)}.")
    now = services.clock.now_ms()
    with services.db.write() as conn:
        thread = thread_store.by_key(conn, site["id"], thread_key)
        if thread is None:
            raise NotFound(f"There is no thread {thread_key!r} on this site.")
        store.set_thread_mode(conn, thread_id=thread["id"], mode=mode, message=message, now=now)
        thread_store.set_open(conn, thread["id"], mode != "closed")
        _audit(conn, actor, f"mode-{mode}", "thread", thread["id"], message, now, site["id"])
    return {"thread": thread_key, "mode": mode, "message": message}


def queue(services: Services, *, user: dict[str, Any] | None, name: str) -> list[dict[str, Any]]:
    scope = moderated_site_ids(staff.actor(services, user))
    if name not in store.QUEUES:
        raise NotFound(f"There is no queue {name!r}; queues are {', '.join(store.QUEUES)}.")
    threshold = int(services.settings.moderation_report_threshold)
    with services.db.read() as conn:
        return store.queue(conn, name, report_threshold=threshold, site_ids=scope)


def overview(services: Services, *, user: dict[str, Any] | None) -> dict[str, Any]:
    scope = moderated_site_ids(staff.actor(services, user))
    threshold = int(services.settings.moderation_report_threshold)
    with services.db.read() as conn:
        return {
            "counts": store.queue_counts(conn, report_threshold=threshold, site_ids=scope),
            "clusters": store.open_clusters(conn, site_ids=scope),
        }


def comment_details(
    services: Services, *, user: dict[str, Any] | None, comment_id: int
) -> dict[str, Any]:
    actor = staff.actor(services, user)
    with services.db.read() as conn:
        row = comment_store.by_id(conn, comment_id)
        if row is None:
            raise NotFound(f"There is no comment {comment_id}.")
        thread = thread_store.by_id(conn, row["thread_id"])
        assert thread is not None  # noqa: S101
        access_site(actor, thread["site_id"], f"comment {comment_id}")
        return {
            "comment": row,
            "check": store.check_for(conn, comment_id),
            "reports": store.open_reports(conn, comment_id),
            "standing": store.standing(conn, row["author_id"]) if row["author_id"] else None,
        }


def standings(services: Services, *, user: dict[str, Any] | None) -> list[dict[str, Any]]:
    scope = moderated_site_ids(staff.actor(services, user))
    with services.db.read() as conn:
        return store.standings(conn, scope)


def threads(services: Services, *, user: dict[str, Any] | None) -> list[dict[str, Any]]:
    scope = moderated_site_ids(staff.actor(services, user))
    with services.db.read() as conn:
        return store.recent_threads(conn, site_ids=scope)


def audit_log(
    services: Services, *, user: dict[str, Any] | None, action: str | None = None
) -> list[dict[str, Any]]:
    scope = moderated_site_ids(staff.actor(services, user))
    with services.db.read() as conn:
        return store.audit_entries(conn, action=action, site_ids=scope)


def rescreen_edit(
    services: Services,
    conn: Connection,
    *,
    row: dict[str, Any],
    thread: dict[str, Any],
    now: int,
    allow_nudge: bool = False,
) -> list[events.Event]:
    """An edited comment goes through the pipeline again. A published one that now fails
    is held (or rejected); a held one stays held until a moderator decides. With
    ``allow_nudge`` an edit the rules or classifier object to is refused with the reasons
    (CommentNudge), and the caller's transaction rolls the new text back."""
    author = user_store.by_id(conn, row["author_id"])
    assert author is not None  # noqa: S101
    body = comment_store.by_id(conn, row["id"])["body"]  # type: ignore[index]
    verdict = screen(
        services,
        conn,
        author=author,
        site_id=thread["site_id"],
        thread=thread,
        body=body,
        now=now,
        remote_addr=row["remote_addr"],
        network=(store.check_for(conn, row["id"]) or {}).get("network"),
        comment_id=row["id"],
    )
    if allow_nudge and verdict.nudges:
        raise CommentNudge(verdict.nudges)
    published = record(
        services,
        conn,
        comment_id=row["id"],
        verdict=verdict,
        site_id=thread["site_id"],
        thread_id=thread["id"],
        author_id=row["author_id"],
        now=now,
    )
    if row["status"] == "visible" and verdict.status != "visible":
        store.set_status(conn, [row["id"]], verdict.status, verdict.held_reason)
        _shift_counts(conn, row, -1)
        # Readers' boxes take it away; webhooks hear comment.moderated (#5).
        action = "held" if verdict.status == "pending" else "reject"
        published.append(
            events.CommentModerated(
                thread["site_id"], thread["id"], row["id"], verdict.status, action, "pipeline"
            )
        )
    return published
