"""Mail about illegal-content notices: the receipt to whoever sent one, and the statement of
reasons (DSA Art. 17) to the comment's author and to the reporter, in the recipient's
language where it is known, else the site's (#9)."""

from __future__ import annotations

from html import escape

from townhall.i18n import N_, choose, direction, translations
from townhall.notify.mail import Message

_REDRESS = N_(
    "This decision was taken by a person; no automated means were used to take it. If you"
    " disagree, reply to this mail within six months: another moderator will review the"
    " decision. You may also turn to a certified out-of-court dispute settlement body or to"
    " a court."
)


def _message(
    lang: str, to: str, subject: str, paragraphs: list[str], quote: str | None = None
) -> Message:
    _ = translations(lang).gettext
    text = "\n\n".join(paragraphs)
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if quote is not None:
        label = _("The comment:")
        text += f"\n\n{label}\n\n" + "\n".join("> " + line for line in quote.splitlines())
        html += f"<p>{escape(label)}</p><blockquote>{escape(quote)}</blockquote>"
    html = (
        f'<!doctype html><html lang="{lang}" dir="{direction(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; line-height: 1.5;">'
        f'<div style="max-width: 36em; margin: 0 auto; padding: 1em;">{html}</div></body></html>'
    )
    return Message(to=to, subject=subject, text=text + "\n", html=html)


def receipt(
    *, to: str, name: str, notice_id: int, comment_id: int, category: str, lang: str = "en"
) -> Message:
    lang = choose(lang, None, "en")
    _ = translations(lang).gettext
    values = {"name": name, "notice": notice_id, "comment": comment_id, "category": _(category)}
    return _message(
        lang,
        to,
        _("We received your notice %(notice)s") % values,
        [
            _("Hello %(name)s,") % values,
            _(
                "we received your notice about comment %(comment)s (reported as %(category)s)."
                " A moderator will review it and write to you with the decision and its reasons."
            )
            % values,
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
    lang: str = "en",
) -> Message:
    lang = choose(lang, None, "en")
    _ = translations(lang).gettext
    values = {
        "name": name,
        "notice": notice_id,
        "comment": comment_id,
        "category": _(category),
        "statement": statement,
    }
    outcome = (
        _("We removed the comment: it is no longer shown to readers.")
        if decision == "remove"
        else _("We kept the comment: it stays published.")
    )
    lead = (
        _("a reader reported your comment %(comment)s as illegal content (%(category)s).")
        if to_author
        else _(
            "you reported comment %(comment)s as illegal content (%(category)s), notice %(notice)s."
        )
    )
    subject = (
        _("Decision on comment %(comment)s: removed")
        if decision == "remove"
        else _("Decision on comment %(comment)s: kept")
    )
    return _message(
        lang,
        to,
        subject % values,
        [
            _("Hello %(name)s,") % values,
            lead % values,
            outcome,
            _("Statement of reasons: %(statement)s") % values,
            _(_REDRESS),
        ],
        quote=body,
    )
