"""Who may do what. One condition per line; the API never repeats these checks."""

from __future__ import annotations

from typing import Any

from townhall.errors import (
    EditWindowOver,
    EmailNotVerified,
    Forbidden,
    NotFound,
    NotSignedIn,
    NotYours,
)

STAFF = ("moderator", "admin")


def access_signed_in(user: dict[str, Any] | None, action: str) -> dict[str, Any]:
    if user is None:
        raise NotSignedIn(f"Sign in to {action}.")
    return user


def access_admin(user: dict[str, Any] | None, action: str) -> dict[str, Any]:
    """Site-wide powers (a full export holds every commenter's email) are the admins'."""
    user = access_signed_in(user, action)
    if user["role"] != "admin":
        raise Forbidden(f"Only admins may {action}; ask an admin of this server.")
    return user


def access_moderate(user: dict[str, Any] | None, action: str = "moderate") -> dict[str, Any]:
    """Admins and moderators act on every site; a site moderator (``user["sites"]``, the
    site ids loaded from site_roles) on theirs only, which access_site checks."""
    user = access_signed_in(user, action)
    if user["role"] in STAFF:
        return user
    if user.get("sites"):
        return user
    raise Forbidden(f"Only moderators and admins may {action}.")


def moderated_site_ids(user: dict[str, Any]) -> list[int] | None:
    """The sites a moderator's lists cover; None means every site."""
    if user["role"] in STAFF:
        return None
    return list(user.get("sites") or [])


def access_site(user: dict[str, Any], site_id: int, thing: str) -> None:
    """A site moderator acting on another site's comment, user or story: NotFound, so that
    what happens on other sites does not leak. ``thing`` names it, e.g. "comment 12"."""
    if user["role"] in STAFF:
        return
    if site_id in (user.get("sites") or ()):
        return
    raise NotFound(f"There is no {thing} on the sites you moderate.")


def access_see(user: dict[str, Any] | None, comment: dict[str, Any]) -> None:
    """Hidden comments answer 404 to others, so their existence does not leak."""
    viewer = user["id"] if user else None
    if comment["status"] == "visible":
        return
    if comment["status"] == "deleted" and comment["reply_count"] > 0:
        return
    if comment["status"] == "pending" and comment["author_id"] == viewer:
        return
    if user is not None and user["role"] in STAFF:
        return
    raise NotFound(f"There is no comment {comment['id']}.")


def access_edit(user: dict[str, Any], comment: dict[str, Any], now: int, window_ms: int) -> None:
    if comment["status"] == "deleted":
        raise NotFound(f"Comment {comment['id']} was deleted.")
    if comment["author_id"] != user["id"]:
        raise NotYours("You can edit only your own comments.")
    if now > comment["created_at"] + window_ms:
        minutes = window_ms // 60_000
        raise EditWindowOver(
            f"Comments can be edited for {minutes} minutes after posting; that time is over."
        )


def access_delete(user: dict[str, Any], comment: dict[str, Any]) -> None:
    if comment["status"] == "deleted":
        raise NotFound(f"Comment {comment['id']} was already deleted.")
    if user["role"] in STAFF:
        return
    if comment["author_id"] != user["id"]:
        raise NotYours("You can delete only your own comments.")


def access_verified(user: dict[str, Any], verification: str) -> None:
    """With email_verification=required, readers confirm their address before posting."""
    if verification != "required":
        return
    if user.get("email_verified_at") is not None:
        return
    if user["role"] in STAFF:
        return
    raise EmailNotVerified(
        f"Confirm your email address before posting: open the link we sent to {user['email']}"
        " (POST /api/v1/auth/verification sends a new one)."
    )
