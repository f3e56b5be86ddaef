"""Isso's comments, mapped onto Townhall's (issue #6).

Isso's readers are anonymous: a name, an email and a website typed into the form. Each
distinct (site, name, email) becomes a *guest* account without a password, whose address
is made up under ``guest.isso.invalid`` (a reserved domain: no mail reaches it, so it can
never be claimed, signed into, or mixed up with a reader's real account). The typed email
is kept only inside that made-up address's digest; the website is not kept. A reader who
types neither name nor email gets a guest per IP address, so strangers do not share one
account's rate limit and moderation standing.

Every write goes through the domain verbs in ``comments`` (post, edit, delete, react), so
moderation screens Isso comments exactly like the box's. Isso's client proves authorship
with a per-comment cookie; here it is an HMAC over the comment's id, its issue time and
its current text, keyed by ``isso_secret``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from townhall.domain import comments
from townhall.domain.markdown import render
from townhall.domain.services import Services
from townhall.errors import Forbidden, InvalidInput, NotFound
from townhall.notify import atom
from townhall.store import isso as isso_store
from townhall.store import threads as thread_store
from townhall.store import users as user_store

GUEST_DOMAIN = "guest.isso.invalid"
ANONYMOUS = "Anonymous"
MAX_FIELD = 254  # Isso's own limit on author, email and website
MIN_TEXT = 3  # Isso's client and server refuse shorter comments
FEED_LIMIT = 100
MODES = {"visible": 1, "pending": 2, "deleted": 4}
SORTS = {"oldest", "newest", "upvotes"}


class EditCookies:
    """Signs and checks the cookie that lets an anonymous author edit or delete a comment."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._key = hashlib.sha256(b"townhall-isso\n" + secret.encode()).digest()
        self.max_age_seconds = max_age_seconds

    def _mac(self, comment_id: int, issued_ms: int, body: str) -> str:
        digest = hashlib.sha256(body.encode()).hexdigest()
        message = f"edit\n{comment_id}\n{issued_ms}\n{digest}".encode()
        raw = hmac.new(self._key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(raw).decode()

    def sign(self, comment_id: int, body: str, now_ms: int) -> str:
        return f"{now_ms}.{self._mac(comment_id, now_ms, body)}"

    def valid(self, value: str | None, comment_id: int, body: str, now_ms: int) -> bool:
        """A cookie for another comment, for an older text (someone else edited it since),
        or older than the edit window does not count."""
        if not value or value.count(".") != 1 or len(value) > 100:
            return False
        issued, mac = value.split(".")
        if not issued.isdigit() or now_ms - int(issued) > self.max_age_seconds * 1000:
            return False
        return hmac.compare_digest(mac, self._mac(comment_id, int(issued), body))

    def author_hash(self, author_id: int | None) -> str:
        """Isso's per-author hash (its client draws an identicon from it); no address in it."""
        message = f"author\n{author_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:12]


# --- guests -----------------------------------------------------------------------------


def _text_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(
            f"{name} must be a string or null.", errors=[{"field": name, "message": "Use text."}]
        )
    if value is not None and len(value) > MAX_FIELD:
        raise InvalidInput(
            f"{name} is {len(value):,} characters; the limit is {MAX_FIELD}.",
            errors=[{"field": name, "message": f"Use at most {MAX_FIELD} characters."}],
        )
    return value.strip() if value else None


def guest(
    services: Services, site: dict[str, Any], name: str | None, email: str | None, ip: str
) -> dict[str, Any]:
    """The guest account for what the reader typed, created on their first comment."""
    shown = (name or ANONYMOUS)[:80]
    who = (email or "").lower() if (name or email) else f"ip:{ip}"
    key = f"{site['id']}\n{shown.lower()}\n{who}".encode()
    address = f"{hashlib.sha256(key).hexdigest()[:32]}@{GUEST_DOMAIN}"
    return _get_or_create(services, address, shown)


def _voter(services: Services, site: dict[str, Any], ip: str) -> dict[str, Any]:
    """Isso counts one vote per address; here each address votes as one guest."""
    key = f"{site['id']}\nvoter\n{ip}".encode()
    address = f"voter-{hashlib.sha256(key).hexdigest()[:26]}@{GUEST_DOMAIN}"
    return _get_or_create(services, address, ANONYMOUS)


def _get_or_create(services: Services, address: str, name: str) -> dict[str, Any]:
    with services.db.write() as conn:
        user = user_store.by_email(conn, address)
        if user is None:
            user = user_store.create(
                conn,
                email=address,
                name=name,
                password_hash=None,
                role="reader",
                now=services.clock.now_ms(),
            )
    return user


# --- views --------------------------------------------------------------------------------


def comment_view(row: dict[str, Any], cookies: EditCookies, *, plain: bool) -> dict[str, Any]:
    """A comment in Isso's shape (times are Unix seconds)."""
    deleted = row["status"] == "deleted"
    edited = row["edited_at"]
    parent = row["root_id"] if row["parent_id"] is not None else None
    return {
        "id": row["id"],
        "parent": parent,
        "text": "" if deleted else (row["body"] if plain else row["html"]),
        "author": None if deleted else row["author_name"],
        "website": None,
        "mode": MODES.get(row["status"], 2),
        "created": row["created_at"] / 1000,
        "modified": edited / 1000 if edited is not None else None,
        "likes": row["reaction_count"],
        "dislikes": 0,
        "hash": cookies.author_hash(None if deleted else row["author_id"]),
        "notification": 0,
    }


def public_config(feed: bool = True) -> dict[str, Any]:
    """What Isso's client reads from GET /config (and from every thread answer)."""
    return {
        "reply-to-self": False,
        "require-email": False,
        "require-author": False,
        "reply-notifications": False,
        "gravatar": False,
        "feed": feed,
    }


# --- reading ------------------------------------------------------------------------------


def _window(items: list[Any], offset: int, limit: int | None) -> list[Any]:
    return items[offset:] if limit is None else items[offset : offset + limit]


def fetch(
    services: Services,
    cookies: EditCookies,
    *,
    site: dict[str, Any],
    uri: str,
    limit: int | None,
    offset: int,
    parent: int | None,
    nested_limit: int | None,
    after: float,
    sort: str,
    plain: bool,
) -> dict[str, Any]:
    """A thread the way Isso's client reads it: top-level comments, each with its replies."""
    if sort not in SORTS:
        raise InvalidInput("sort must be oldest, newest or upvotes.")
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidInput("limit and offset must not be negative.")
    with services.db.read() as conn:
        thread = thread_store.by_key(conn, site["id"], uri)
        rows = [] if thread is None else isso_store.shown_in_thread(
            conn, thread["id"], after_ms=int(after * 1000)
        )  # fmt: skip
    tops = [r for r in rows if r["parent_id"] is None]
    top_ids = {r["id"] for r in tops}
    replies: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["parent_id"] is not None and row["root_id"] in top_ids:
            replies.setdefault(row["root_id"], []).append(row)
    if sort == "newest":
        tops.reverse()
        for group in replies.values():
            group.reverse()
    elif sort == "upvotes":
        tops.sort(key=lambda r: -r["reaction_count"])
        for group in replies.values():
            group.sort(key=lambda r: -r["reaction_count"])

    def view(row: dict[str, Any]) -> dict[str, Any]:
        return comment_view(row, cookies, plain=plain)

    if parent is not None:
        group = replies.get(parent, [])
        shown = _window(group, offset, limit)
        return {
            "id": parent,
            "total_replies": len(group),
            "hidden_replies": len(group) - len(shown) - offset,
            "replies": [view(r) for r in shown],
            "config": public_config(),
        }
    shown_tops = _window(tops, offset, limit)
    answer = []
    for top in shown_tops:
        group = replies.get(top["id"], [])
        nested = _window(group, 0, nested_limit)
        answer.append(
            {
                **view(top),
                "total_replies": len(group),
                "hidden_replies": len(group) - len(nested),
                "replies": [view(r) for r in nested],
            }
        )
    return {
        "id": None,
        "total_replies": len(tops) + sum(len(g) for g in replies.values()),
        "hidden_replies": len(tops) - len(shown_tops) - offset,
        "replies": answer,
        "config": public_config(),
    }


def counts(services: Services, *, site: dict[str, Any], uris: list[Any]) -> list[int]:
    if len(uris) > 100 or not all(isinstance(u, str) and 0 < len(u) <= 500 for u in uris):
        raise InvalidInput("Send a JSON list of at most 100 thread uris (strings).")
    found = comments.counts(services, site=site, keys=list(dict.fromkeys(uris)))
    return [found[u] for u in uris]


def authored(
    services: Services, cookies: EditCookies, comment_id: int, cookie: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The comment and its guest author, when the cookie proves the caller wrote it."""
    with services.db.read() as conn:
        row = isso_store.one(conn, comment_id)
        author = user_store.by_id(conn, row["author_id"]) if row and row["author_id"] else None
    if row is None or author is None or row["status"] == "deleted":
        raise NotFound(f"There is no comment {comment_id}.")
    if not cookies.valid(cookie, comment_id, row["body"], services.clock.now_ms()):
        raise Forbidden(
            "Only the author may change this comment, from the browser that posted it and"
            f" within {cookies.max_age_seconds // 60} minutes of posting."
        )
    return row, author


def reread(services: Services, comment_id: int) -> dict[str, Any]:
    with services.db.read() as conn:
        row = isso_store.one(conn, comment_id)
    assert row is not None  # noqa: S101 - comments are never removed from the table
    return row


# --- writing ------------------------------------------------------------------------------


def new(
    services: Services,
    *,
    site: dict[str, Any],
    uri: str,
    data: dict[str, Any],
    remote_addr: str,
    may_create_thread: bool,
    page_url: str | None,
    network: str | None = None,
) -> dict[str, Any]:
    """Posts an Isso form through ``comments.post_comment``; returns the stored row."""
    text = data.get("text")
    if not isinstance(text, str) or len(text.rstrip()) < MIN_TEXT:
        raise InvalidInput(
            f"The comment needs at least {MIN_TEXT} characters.",
            errors=[{"field": "text", "message": "Write a little more."}],
        )
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, int) or isinstance(parent, bool)):
        raise InvalidInput("parent must be a comment id or null.")
    name = _text_field(data, "author")
    email = _text_field(data, "email")
    _text_field(data, "website")
    title = data.get("title") if isinstance(data.get("title"), str) else None
    if services.settings.email_verification == "required":
        raise Forbidden(
            "This server takes comments only from confirmed email addresses, so Isso's"
            " anonymous form is off; use Townhall's comment box (set email_verification to"
            " 'optional' or 'off' to take anonymous comments)."
        )
    comments.check_body(services, text)
    author = guest(services, site, name, email, remote_addr)
    view = comments.post_comment(
        services,
        user=author,
        site=site,
        thread_key=uri,
        body=text,
        parent_id=parent,
        title=title[:500] if title else None,
        url=page_url,
        may_create_thread=may_create_thread,
        remote_addr=remote_addr,
        network=network,
    )
    return reread(services, int(view["id"]))


def edit(services: Services, *, author: dict[str, Any], comment_id: int, text: Any) -> None:
    if not isinstance(text, str) or len(text.rstrip()) < MIN_TEXT:
        raise InvalidInput(f"The comment needs at least {MIN_TEXT} characters.")
    comments.edit_comment(services, user=author, comment_id=comment_id, body=text)


def vote(
    services: Services, *, site: dict[str, Any], comment_id: int, ip: str, like: bool
) -> dict[str, int]:
    """Townhall has likes only: a dislike takes back this address's like."""
    voter = _voter(services, site, ip)
    result = comments.set_reaction(services, user=voter, comment_id=comment_id, on=like)
    return {"likes": int(result["reaction_count"]), "dislikes": 0}


def preview(text: Any) -> dict[str, str]:
    if not isinstance(text, str):
        raise InvalidInput('Send the comment\'s text as {"text": "..."}.')
    return {"text": render(text)}


# --- feed ---------------------------------------------------------------------------------


def feed(services: Services, *, site: dict[str, Any], uri: str, base: str) -> bytes:
    """An Atom feed (RFC 4287, with RFC 4685 reply links) of a thread's newest comments."""
    with services.db.read() as conn:
        thread = thread_store.by_key(conn, site["id"], uri)
        rows = [] if thread is None else isso_store.latest_published(conn, thread["id"], FEED_LIMIT)
    page = (thread or {}).get("url") or base.rstrip("/") + uri
    title = (thread or {}).get("title") or uri
    entries = [
        atom.Entry(
            id=f"{page}#isso-{row['id']}",
            title=f"Comment #{row['id']}",
            updated_ms=row["edited_at"] or row["created_at"],
            author=row["author_name"] or ANONYMOUS,
            html=row["html"],
            link=f"{page}#isso-{row['id']}",
            in_reply_to=None if row["parent_id"] is None else f"{page}#isso-{row['parent_id']}",
        )
        for row in rows
    ]
    return atom.feed(id=f"{page}#comments", title=f"Comments on {title}", entries=entries)
