"""Mail about illegal-content notices: the receipt to whoever sent one, and the statement of
reasons (DSA Art. 17) to the comment's author and to the reporter."""

from __future__ import annotations

from html import escape

from townhall.notify.mail import Message

_REDRESS = (
    "This decision was taken by a person; no automated means were used to take it. If you"
    " disagree, reply to this mail within six months: another moderator will review the"
    " decision. You may also turn to a certified out-of-court dispute settlement body or to"
    " a court."
)


def _message(to: str, subject: str, paragraphs: list[str], quote: str | None = None) -> Message:
    text = "\n\n".join(paragraphs)
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if quote is not None:
        text += "\n\nThe comment:\n\n" + "\n".join("> " + line for line in quote.splitlines())
        html += f"<p>The comment:</p><blockquote>{escape(quote)}</blockquote>"
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; line-height: 1.5;">'
        f'<div style="max-width: 36em; margin: 0 auto; padding: 1em;">{html}</div></body></html>'
    )
    return Message(to=to, subject=subject, text=text + "\n", html=html)


def receipt(*, to: str, name: str, notice_id: int, comment_id: int, category: str) -> Message:
    return _message(
        to,
        f"We received your notice {notice_id}",
        [
            f"Hello {name},",
            f"we received your notice about comment {comment_id} (reported as {category})."
            " A moderator will review it and write to you with the decision and its reasons.",
        ],
    )


def statement_of_reasons(
    *,
    to: str,
    name: str,
    to_author: bool,
    notice_id: int,
    comment_id: int,
    category: str,
    decision: str,
    statement: str,
    body: str,
) -> Message:
    outcome = (
        "We removed the comment: it is no longer shown to readers."
        if decision == "remove"
        else "We kept the comment: it stays published."
    )
    lead = (
        f"a reader reported your comment {comment_id} as illegal content ({category})."
        if to_author
        else f"you reported comment {comment_id} as illegal content ({category}), notice"
        f" {notice_id}."
    )
    return _message(
        to,
        f"Decision on comment {comment_id}: {'removed' if decision == 'remove' else 'kept'}",
        [f"Hello {name},", lead, outcome, f"Statement of reasons: {statement}", _REDRESS],
        quote=body,
    )
