"""Moderation's SQL: pipeline records, near-duplicate buckets, clusters, reports, standing,
story modes, the audit log and the moderators' queues."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)

from townhall.store.schema import (
    audit_log,
    comment_checks,
    comments,
    dsa_notices,
    mod_clusters,
    near_dup_bands,
    reports,
    thread_modes,
    threads,
    user_standing,
    users,
)

# pending: waits because of a mode or standing (a pre-moderated story or user, a new
# account's first comment); held: the pipeline objected (rules, classifier, spam, external
# checker); clusters: brigading groups; notices: comments under an open illegal-content notice.
QUEUES = ("pending", "held", "reported", "clusters", "notices", "approved", "rejected")
HELD_BY_PIPELINE = "pipeline"


def _on_sites(site_ids: list[int] | None, column: Any = None) -> ColumnElement[bool]:
    """Rows on these sites only (a site moderator's view); None means every site. Without
    ``column``, the rows are comments, matched through their thread."""
    if site_ids is None:
        return true()
    if column is not None:
        return column.in_(site_ids)  # type: ignore[no-any-return]
    return comments.c.thread_id.in_(select(threads.c.id).where(threads.c.site_id.in_(site_ids)))


# --- pipeline records -------------------------------------------------------------------
_DELETE_CHECK = delete(comment_checks).where(comment_checks.c.comment_id == bindparam("cid"))
_INSERT_CHECK = insert(comment_checks)
_DELETE_BANDS = delete(near_dup_bands).where(near_dup_bands.c.comment_id == bindparam("cid"))
_INSERT_BANDS = insert(near_dup_bands)


def record_check(
    conn: Connection,
    *,
    comment_id: int,
    reasons: list[dict[str, Any]],
    replace: bool = True,
    **values: Any,
) -> None:
    """``replace`` False: the comment is new and has no earlier check to delete (#7)."""
    if replace:
        conn.execute(_DELETE_CHECK, {"cid": comment_id})
    conn.execute(
        _INSERT_CHECK, {"comment_id": comment_id, "reasons": json.dumps(reasons), **values}
    )


def check_for(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(select(comment_checks).where(comment_checks.c.comment_id == comment_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    found = dict(row)
    found["reasons"] = json.loads(found["reasons"])
    return found


def add_bands(
    conn: Connection,
    *,
    site_id: int,
    comment_id: int,
    keys: list[int],
    now: int,
    replace: bool = True,
) -> None:
    if replace:
        conn.execute(_DELETE_BANDS, {"cid": comment_id})
    conn.execute(
        _INSERT_BANDS,
        [
            {"site_id": site_id, "band": k, "comment_id": comment_id, "created_at": now}
            for k in keys
        ],
    )


_member_columns = (
    comment_checks.c.comment_id,
    comment_checks.c.author_id,
    comment_checks.c.signature,
    comment_checks.c.cluster_id,
    comment_checks.c.account_new,
    comment_checks.c.network,
    comment_checks.c.thread_id,
    comments.c.status,
)


# The statements a post runs are built once, with bound parameters: building them anew on
# every call (columns, comparisons, subqueries, their cache keys) was a visible share of a
# post's CPU in the profile (#7); SQLAlchemy caches only the compiled SQL, not the objects.
_NEIGHBOUR_IDS = (
    select(near_dup_bands.c.comment_id)
    .where(
        near_dup_bands.c.site_id == bindparam("site_id"),
        near_dup_bands.c.band.in_(bindparam("keys", expanding=True)),
        near_dup_bands.c.created_at >= bindparam("since"),
    )
    .distinct()
    .subquery()
)
_BAND_NEIGHBOURS = (
    select(*_member_columns)
    .join(comments, comments.c.id == comment_checks.c.comment_id)
    .where(comment_checks.c.comment_id.in_(select(_NEIGHBOUR_IDS.c.comment_id)))
)


def band_neighbours(
    conn: Connection, *, site_id: int, keys: list[int], since: int
) -> list[dict[str, Any]]:
    """Comments since ``since`` sharing at least one bucket with ``keys``."""
    params = {"site_id": site_id, "keys": list(keys), "since": since}
    return [dict(r) for r in conn.execute(_BAND_NEIGHBOURS, params).mappings()]


def author_signatures(
    conn: Connection, *, author_id: int, since: int, exclude: int | None = None, limit: int = 20
) -> list[bytes]:
    """The author's recent texts, but never the comment being edited (``exclude``)."""
    params = {
        "author_id": author_id,
        "since": since,
        "exclude": exclude if exclude is not None else -1,
        "limit": limit,
    }
    return [bytes(r[0]) for r in conn.execute(_AUTHOR_SIGNATURES, params)]


_AUTHOR_SIGNATURES = (
    select(comment_checks.c.signature)
    .where(
        comment_checks.c.author_id == bindparam("author_id"),
        comment_checks.c.created_at >= bindparam("since"),
        comment_checks.c.signature.is_not(None),
        comment_checks.c.comment_id != bindparam("exclude"),
    )
    .order_by(comment_checks.c.created_at.desc())
    .limit(bindparam("limit"))
)


def new_account_comments(conn: Connection, *, thread_id: int, since: int) -> list[dict[str, Any]]:
    query = (
        select(*_member_columns)
        .join(comments, comments.c.id == comment_checks.c.comment_id)
        .where(
            comment_checks.c.thread_id == thread_id,
            comment_checks.c.created_at >= since,
            comment_checks.c.account_new.is_(True),
            comments.c.status.in_(("visible", "pending")),
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def recent_decisions(conn: Connection, *, author_id: int, limit: int) -> list[str]:
    """Statuses of the author's latest screened comments that a moderator decided or that
    went up unchallenged: visible and rejected only."""
    query = (
        select(comments.c.status)
        .where(comments.c.author_id == author_id, comments.c.status.in_(("visible", "rejected")))
        .order_by(comments.c.created_at.desc())
        .limit(limit)
    )
    return [r[0] for r in conn.execute(query)]


def set_status(
    conn: Connection, comment_ids: list[int], status: str, held_reason: str | None
) -> None:
    if comment_ids:
        conn.execute(
            update(comments)
            .where(comments.c.id.in_(comment_ids))
            .values(status=status, held_reason=held_reason)
        )


def comments_by_ids(conn: Connection, comment_ids: list[int]) -> list[dict[str, Any]]:
    if not comment_ids:
        return []
    query = select(comments).where(comments.c.id.in_(comment_ids)).order_by(comments.c.id)
    rows = conn.execute(query).mappings()
    return [dict(r) for r in rows]


def author_comment_ids(
    conn: Connection,
    author_id: int,
    statuses: tuple[str, ...],
    site_ids: list[int] | None = None,
) -> list[int]:
    query = select(comments.c.id).where(
        comments.c.author_id == author_id, comments.c.status.in_(statuses), _on_sites(site_ids)
    )
    return [int(r[0]) for r in conn.execute(query)]


# --- clusters ---------------------------------------------------------------------------
def create_cluster(
    conn: Connection, *, site_id: int, thread_id: int | None, kind: str, label: str, now: int
) -> int:
    result = conn.execute(
        insert(mod_clusters).values(
            site_id=site_id, thread_id=thread_id, kind=kind, label=label, created_at=now
        )
    )
    return int(result.inserted_primary_key[0])


def join_cluster(conn: Connection, comment_ids: list[int], cluster_id: int) -> None:
    if comment_ids:
        conn.execute(
            update(comment_checks)
            .where(comment_checks.c.comment_id.in_(comment_ids))
            .values(cluster_id=cluster_id, held_by=HELD_BY_PIPELINE)
        )


def cluster_by_id(conn: Connection, cluster_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(select(mod_clusters).where(mod_clusters.c.id == cluster_id)).mappings().first()
    )
    return dict(row) if row else None


def cluster_members(conn: Connection, cluster_id: int) -> list[int]:
    query = select(comment_checks.c.comment_id).where(comment_checks.c.cluster_id == cluster_id)
    return [int(r[0]) for r in conn.execute(query)]


def resolve_cluster(conn: Connection, cluster_id: int, now: int) -> None:
    conn.execute(
        update(mod_clusters).where(mod_clusters.c.id == cluster_id).values(resolved_at=now)
    )


def open_clusters(
    conn: Connection, site_id: int | None = None, site_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    size = (
        select(func.count(literal_column("*")))
        .select_from(comment_checks.join(comments, comments.c.id == comment_checks.c.comment_id))
        .where(comment_checks.c.cluster_id == mod_clusters.c.id, comments.c.status == "pending")
        .scalar_subquery()
    )
    query = select(mod_clusters, size.label("held")).where(mod_clusters.c.resolved_at.is_(None))
    if site_id is not None:
        query = query.where(mod_clusters.c.site_id == site_id)
    query = query.where(_on_sites(site_ids, mod_clusters.c.site_id))
    rows = conn.execute(query.order_by(mod_clusters.c.created_at.desc())).mappings()
    return [dict(r) for r in rows if r["held"]]


# --- reports ----------------------------------------------------------------------------
def add_report(
    conn: Connection, *, comment_id: int, reporter_id: int, reason: str, text: str | None, now: int
) -> bool:
    exists = conn.execute(
        select(reports.c.id).where(
            reports.c.comment_id == comment_id, reports.c.reporter_id == reporter_id
        )
    ).first()
    if exists:
        return False
    conn.execute(
        insert(reports).values(
            comment_id=comment_id, reporter_id=reporter_id, reason=reason, text=text, created_at=now
        )
    )
    return True


def open_reports(conn: Connection, comment_id: int) -> list[dict[str, Any]]:
    query = select(reports).where(
        reports.c.comment_id == comment_id, reports.c.resolved_at.is_(None)
    )
    return [dict(r) for r in conn.execute(query.order_by(reports.c.created_at)).mappings()]


def resolve_reports(conn: Connection, comment_ids: list[int], now: int) -> None:
    if comment_ids:
        conn.execute(
            update(reports)
            .where(reports.c.comment_id.in_(comment_ids), reports.c.resolved_at.is_(None))
            .values(resolved_at=now)
        )


# --- standing and modes -----------------------------------------------------------------
_STANDING = select(user_standing).where(user_standing.c.user_id == bindparam("user_id"))
_THREAD_MODE = select(thread_modes).where(thread_modes.c.thread_id == bindparam("thread_id"))


def standing(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(_STANDING, {"user_id": user_id}).mappings().first()
    return dict(row) if row else None


def set_standing(
    conn: Connection,
    *,
    user_id: int,
    state: str | None,
    until: int | None,
    reason: str | None,
    automatic: bool,
    now: int,
) -> None:
    conn.execute(delete(user_standing).where(user_standing.c.user_id == user_id))
    if state is not None:
        conn.execute(
            insert(user_standing).values(
                user_id=user_id,
                state=state,
                until=until,
                reason=reason,
                automatic=automatic,
                updated_at=now,
            )
        )


def standings(conn: Connection, site_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Users with a standing; for a site moderator, those who wrote on their sites."""
    query = (
        select(user_standing, users.c.name, users.c.email)
        .join(users, users.c.id == user_standing.c.user_id)
        .order_by(user_standing.c.updated_at.desc())
    )
    if site_ids is not None:
        writers = select(comments.c.author_id).where(_on_sites(site_ids))
        query = query.where(user_standing.c.user_id.in_(writers))
    return [dict(r) for r in conn.execute(query).mappings()]


def thread_mode(conn: Connection, thread_id: int) -> dict[str, Any] | None:
    row = conn.execute(_THREAD_MODE, {"thread_id": thread_id}).mappings().first()
    return dict(row) if row else None


def set_thread_mode(
    conn: Connection, *, thread_id: int, mode: str, message: str | None, now: int
) -> None:
    conn.execute(delete(thread_modes).where(thread_modes.c.thread_id == thread_id))
    conn.execute(
        insert(thread_modes).values(thread_id=thread_id, mode=mode, message=message, updated_at=now)
    )


def recent_threads(
    conn: Connection, limit: int = 50, site_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    query = (
        select(threads, thread_modes.c.mode, thread_modes.c.message)
        .outerjoin(thread_modes, thread_modes.c.thread_id == threads.c.id)
        .where(_on_sites(site_ids, threads.c.site_id))
        .order_by(threads.c.created_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# --- audit ------------------------------------------------------------------------------
def audit(
    conn: Connection,
    *,
    site_id: int | None,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int,
    reason: str | None,
    now: int,
) -> None:
    conn.execute(
        insert(audit_log).values(
            site_id=site_id,
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            created_at=now,
        )
    )


def audit_entries(
    conn: Connection,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    site_ids: list[int] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(audit_log, users.c.name.label("actor_name")).outerjoin(
        users, users.c.id == audit_log.c.actor_id
    )
    if action:
        query = query.where(audit_log.c.action == action)
    if actor_id is not None:
        query = query.where(audit_log.c.actor_id == actor_id)
    query = query.where(_on_sites(site_ids, audit_log.c.site_id))
    query = query.order_by(audit_log.c.created_at.desc(), audit_log.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


# --- queues -----------------------------------------------------------------------------
def queue(
    conn: Connection,
    name: str,
    *,
    report_threshold: int,
    limit: int = 50,
    site_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Comments in a moderator queue, each with its thread, author and pipeline record."""
    report_count = (
        select(func.count(literal_column("*")))
        .where(reports.c.comment_id == comments.c.id, reports.c.resolved_at.is_(None))
        .scalar_subquery()
    )
    query = (
        select(
            comments,
            users.c.name.label("author_name"),
            users.c.created_at.label("author_since"),
            threads.c.key.label("thread_key"),
            threads.c.title.label("thread_title"),
            threads.c.site_id,
            comment_checks.c.reasons,
            comment_checks.c.toxicity,
            comment_checks.c.language,
            comment_checks.c.cluster_id,
            report_count.label("report_count"),
        )
        .join(threads, threads.c.id == comments.c.thread_id)
        .outerjoin(users, users.c.id == comments.c.author_id)
        .outerjoin(comment_checks, comment_checks.c.comment_id == comments.c.id)
    )
    if name in ("pending", "held"):
        query = query.where(comments.c.status == "pending", comment_checks.c.cluster_id.is_(None))
        query = query.where(_held_by_pipeline() if name == "held" else ~_held_by_pipeline())
        query = query.order_by(comments.c.created_at, comments.c.id)
    elif name == "notices":
        noticed = select(dsa_notices.c.comment_id).where(dsa_notices.c.decided_at.is_(None))
        query = query.where(comments.c.id.in_(noticed)).order_by(comments.c.created_at)
    elif name == "reported":
        query = query.where(
            comments.c.status.in_(("visible", "pending")), report_count >= report_threshold
        ).order_by(comments.c.created_at)
    elif name == "clusters":
        query = query.where(
            comments.c.status == "pending", comment_checks.c.cluster_id.is_not(None)
        )
        query = query.order_by(comment_checks.c.cluster_id, comments.c.created_at)
    elif name == "approved":
        decided = select(audit_log.c.target_id).where(
            audit_log.c.target_type == "comment", audit_log.c.action == "approve"
        )
        query = query.where(comments.c.status == "visible", comments.c.id.in_(decided))
        query = query.order_by(comments.c.created_at.desc())
    elif name == "rejected":
        query = query.where(comments.c.status == "rejected").order_by(comments.c.created_at.desc())
    else:
        raise ValueError(name)
    query = query.where(_on_sites(site_ids))
    rows = [dict(r) for r in conn.execute(query.limit(limit)).mappings()]
    for row in rows:
        row["reasons"] = json.loads(row["reasons"]) if row["reasons"] else []
    return rows


def _held_by_pipeline() -> ColumnElement[bool]:
    """Comments without a pipeline record (imports) or held by a mode count as pending."""
    return func.coalesce(comment_checks.c.held_by, "") == HELD_BY_PIPELINE


def queue_counts(
    conn: Connection, *, report_threshold: int, site_ids: list[int] | None = None
) -> dict[str, int]:
    # Grouped by the plain column: PostgreSQL will not match a GROUP BY expression whose
    # literals are bound as separate parameters.
    waiting: dict[bool, int] = {False: 0, True: 0}
    for held_by, count in conn.execute(
        select(comment_checks.c.held_by, func.count(literal_column("*")))
        .select_from(
            comments.outerjoin(comment_checks, comment_checks.c.comment_id == comments.c.id)
        )
        .where(comments.c.status == "pending", comment_checks.c.cluster_id.is_(None))
        .where(_on_sites(site_ids))
        .group_by(comment_checks.c.held_by)
    ):
        waiting[held_by == HELD_BY_PIPELINE] += int(count)
    notices = conn.execute(
        select(func.count(func.distinct(dsa_notices.c.comment_id))).where(
            dsa_notices.c.decided_at.is_(None), _on_sites(site_ids, dsa_notices.c.site_id)
        )
    ).scalar_one()
    clustered = conn.execute(
        select(func.count(literal_column("*")))
        .select_from(comments.join(comment_checks, comment_checks.c.comment_id == comments.c.id))
        .where(comments.c.status == "pending", comment_checks.c.cluster_id.is_not(None))
        .where(_on_sites(site_ids))
    ).scalar_one()
    reported_ids = (
        select(reports.c.comment_id)
        .join(comments, comments.c.id == reports.c.comment_id)
        .where(reports.c.resolved_at.is_(None), comments.c.status.in_(("visible", "pending")))
        .where(_on_sites(site_ids))
        .group_by(reports.c.comment_id)
        .having(func.count(literal_column("*")) >= report_threshold)
        .subquery()
    )
    reported = conn.execute(
        select(func.count(literal_column("*"))).select_from(reported_ids)
    ).scalar_one()
    return {
        "pending": waiting[False],
        "held": waiting[True],
        "reported": int(reported),
        "clusters": int(clustered),
        "notices": int(notices),
    }


def has_published(conn: Connection, author_id: int) -> bool:
    query = select(comments.c.id).where(
        comments.c.author_id == author_id, comments.c.status == "visible"
    )
    return conn.execute(query.limit(1)).first() is not None
