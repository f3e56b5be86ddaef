"""The batched reply mail (#5): every reply a reader got since the last mail, in one
message, plain text and HTML, with RFC 8058 one-click unsubscribe headers."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from string import Template

from townhall.i18n import choose, direction, translations
from townhall.notify.mail import Message

_LAYOUT = Template(
    """<!doctype html>
<html lang="$lang" dir="$dir"><head><meta charset="utf-8"><title>$subject</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<div style="max-width: 36em; margin: 0 auto; padding: 1em;">
$body
<p style="color: #666; font-size: 0.9em;">$footer</p>
</div></body></html>
"""
)


@dataclass(frozen=True)
class Reply:
    author: str
    excerpt: str
    article: str
    link: str | None


def reply_mail(
    *,
    to: str,
    name: str,
    replies: list[Reply],
    unsubscribe_url: str,
    mine_url: str,
    lang: str = "en",
) -> Message:
    lang = choose(lang, None, "en")
    catalogue = translations(lang)
    _ = catalogue.gettext
    count = len(replies)
    subject = catalogue.ngettext(
        "%(count)s new reply to your comments", "%(count)s new replies to your comments", count
    ) % {"count": count}
    greeting = _("Hello %(name)s,") % {"name": name}
    lead = catalogue.ngettext(
        "someone answered one of your comments:", "readers answered your comments:", count
    )
    wrote = _("%(author)s replied on “%(article)s”:")
    footer = _("You get this mail because you asked for reply mail. Stop these mails: %(link)s")
    all_link = _("All your comments and their replies: %(link)s")

    text = [greeting, "", lead, ""]
    items = []
    for reply in replies:
        values = {"author": reply.author, "article": reply.article}
        text.append(wrote % values)
        text.append("  " + reply.excerpt)
        if reply.link:
            text.append("  " + reply.link)
        text.append("")
        safe = {k: escape(v) for k, v in values.items()}
        read = escape(_("Read the reply"))  # outside the f-string, where extraction reads it (#9)
        link = f'<br><a href="{escape(reply.link, quote=True)}">{read}</a>' if reply.link else ""
        items.append(f"<li><p>{wrote % safe}<br><q>{escape(reply.excerpt)}</q>{link}</p></li>")
    text += [all_link % {"link": mine_url}, "", footer % {"link": unsubscribe_url}, ""]
    mine = f'<a href="{escape(mine_url, quote=True)}">{escape(mine_url)}</a>'
    stop = f'<a href="{escape(unsubscribe_url, quote=True)}">{escape(unsubscribe_url)}</a>'
    body = (
        f"<p>{escape(greeting)}</p><p>{escape(lead)}</p><ul>{''.join(items)}</ul>"
        f"<p>{all_link % {'link': mine}}</p>"
    )
    html = _LAYOUT.substitute(
        lang=lang,
        dir=direction(lang),
        subject=escape(subject),
        body=body,
        footer=footer % {"link": stop},
    )
    headers = {
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Message(to=to, subject=subject, text="\n".join(text), html=html, headers=headers)
