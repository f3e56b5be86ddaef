"""Request and response shapes, as documented in /api/openapi.json."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupIn(StrictModel):
    email: str = Field(max_length=320, examples=["reader@example.org"])
    password: str = Field(max_length=1024)
    name: str = Field(max_length=200, examples=["Olena K."])


class SigninIn(StrictModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    totp: str | None = Field(
        default=None, max_length=64, description="Authenticator or recovery code (#5)."
    )


NUDGED = (
    "Set it when sending again after a 422 comment-nudge problem: the comment then goes"
    " through moderation once more and is held for a moderator (or published if it is now"
    " clean) instead of being refused a second time."
)


class CommentIn(StrictModel):
    site: str = Field(default="default", max_length=64)
    thread: str = Field(max_length=500, description="The article's id or canonical URL.")
    body: str = Field(description="Markdown source.")
    parent_id: int | None = Field(default=None, ge=1, le=2**62)
    title: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=2000)
    nudged: bool = Field(default=False, description=NUDGED)


class EditIn(StrictModel):
    body: str
    nudged: bool = Field(default=False, description=NUDGED)


class PreviewIn(StrictModel):
    body: str


class UserOut(BaseModel):
    id: int
    name: str
    email: str
    role: Literal["reader", "moderator", "admin"]


class AuthOut(BaseModel):
    user: UserOut
    token: str


class MeOut(BaseModel):
    user: UserOut


class AuthorOut(BaseModel):
    id: int | None
    name: str | None


class ReplyToOut(BaseModel):
    id: int
    name: str | None


class CommentOut(BaseModel):
    id: int
    thread: str
    parent_id: int | None
    display_parent_id: int | None
    depth: int
    reply_to: ReplyToOut | None
    author: AuthorOut | None
    html: str
    status: Literal["visible", "pending", "rejected", "deleted"]
    created_at: str
    edited_at: str | None
    reaction_count: int
    reply_count: int
    reacted: bool
    mine: bool
    body: str | None
    editable_until: str | None
    held_reason: str | None = None
    replies: list[CommentOut]
    replies_cursor: str | None


class ThreadOut(BaseModel):
    key: str
    title: str | None
    url: str | None
    open: bool
    comment_count: int


class ThreadPage(BaseModel):
    thread: ThreadOut
    comments: list[CommentOut]
    next_cursor: str | None


class RepliesPage(BaseModel):
    replies: list[CommentOut]
    next_cursor: str | None


class ReactionOut(BaseModel):
    reaction_count: int
    reacted: bool


class CountsOut(BaseModel):
    counts: dict[str, int]


class PreviewOut(BaseModel):
    html: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None
