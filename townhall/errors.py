"""Errors that reach users. Each says what went wrong and what to do about it.

The HTTP edge renders every ``TownhallError`` as an RFC 9457 problem document.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://townhall.dev/problems/"


class TownhallError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers: dict[str, str] = {}
        # The English sentences and their values, when raised through i18n.problem (#9).
        self.sentences: tuple[tuple[str, ...], dict[str, object]] | None = None

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(TownhallError):
    pass


class MalformedBody(TownhallError):
    slug, title = "malformed-body", "Malformed request body"


class InvalidInput(TownhallError):
    status, slug, title = 422, "invalid-input", "Invalid input"


class TooLong(TownhallError):
    status, slug, title = 422, "too-long", "Too long"


class TooDeep(TownhallError):
    status, slug, title = 422, "too-deep", "Reply chain too deep"


class CommentNudge(TownhallError):
    """The rules or the classifier object to a comment: it was not stored. Its author may
    revise it, or send it again with ``"nudged": true`` to have a moderator review it."""

    status, slug, title = 422, "comment-nudge", "Please look at your comment again"

    def __init__(self, reasons: list[dict[str, str]]) -> None:
        plain = " ".join(r["reason"] for r in reasons)
        super().__init__(
            f"{plain} Change it and send it again; or send it as it is with"
            ' "nudged": true and a moderator will review it before it appears.',
            errors=[{"field": "body", "message": r["reason"]} for r in reasons],
        )
        self.reasons = reasons

    def problem(self) -> dict[str, Any]:
        return {**super().problem(), "reasons": self.reasons}


class NotSignedIn(TownhallError):
    status, slug, title = 401, "not-signed-in", "Not signed in"


class WrongCredentials(TownhallError):
    status, slug, title = 401, "wrong-credentials", "Wrong email or password"


class Forbidden(TownhallError):
    status, slug, title = 403, "forbidden", "Not allowed"


class ConfirmDeletion(TownhallError):
    """Deleting an account needs its password, or a sign-in within the last minutes (#5)."""

    status, slug, title = 403, "confirm-deletion", "Confirm it is you"


class NotYours(TownhallError):
    status, slug, title = 403, "not-yours", "Not your comment"


class OriginNotAllowed(TownhallError):
    status, slug, title = 403, "origin-not-allowed", "Origin not allowed"


class NotFound(TownhallError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(TownhallError):
    status, slug, title = 409, "conflict", "Conflict"


class ThreadClosed(TownhallError):
    status, slug, title = 409, "thread-closed", "Comments are closed"


class EditWindowOver(TownhallError):
    status, slug, title = 409, "edit-window-over", "Edit window over"


class BodyTooLarge(TownhallError):
    status, slug, title = 413, "body-too-large", "Request body too large"


class UnsupportedMediaType(TownhallError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class RateLimited(TownhallError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
        self.headers = {"Retry-After": str(self.retry_after)}


class ServerBusy(TownhallError):
    """The database could not be reached in time (every connection taken, or the SQLite
    write lock held past its timeout). The transaction did not run: nothing was stored."""

    status, slug, title = 503, "server-busy", "Server busy"

    def __init__(self, detail: str, *, retry_after: int = 2) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


# --- identity (#5) ---


class EmailNotVerified(TownhallError):
    status, slug, title = 403, "email-not-verified", "Email address not confirmed"


class LinkNotValid(TownhallError):
    status, slug, title = 400, "link-not-valid", "Link not valid"


class LinkExpired(TownhallError):
    status, slug, title = 410, "link-expired", "Link expired"


class LinkUsed(TownhallError):
    status, slug, title = 410, "link-used", "Link already used"


class SsoTokenRefused(TownhallError):
    status, slug, title = 401, "sso-token-refused", "Sign-in token refused"


# --- identity, continued (#5): staff two-factor, notifications, webhooks, OIDC ---


class SecondFactorRequired(TownhallError):
    status, slug, title = 401, "second-factor-required", "Authenticator code required"


class SecondFactorWrong(TownhallError):
    status, slug, title = 401, "second-factor-wrong", "Authenticator code wrong"


class SecondFactorEnrolmentRequired(TownhallError):
    status, slug, title = 403, "second-factor-enrolment-required", "Two-factor setup required"


class OidcFailed(TownhallError):
    status, slug, title = 400, "oidc-failed", "Sign-in with the provider failed"


class OidcProviderUnreachable(OidcFailed):
    status, slug, title = 502, "oidc-provider-unreachable", "Sign-in provider unreachable"
