"""Mail texts, each in plain text and HTML, in the recipient's language (#9). Values are
escaped for the HTML part; the texts themselves are ours, so only the values can carry
markup."""

from __future__ import annotations

from html import escape
from string import Template

from townhall.i18n import N_, NP_, choose, direction, translations
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

_BUTTON = (
    '<p><a href="$link" style="display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8;'
    ' color: #fff; text-decoration: none; border-radius: 4px;">$action</a></p>'
    '<p style="font-size: 0.9em;">$paste<br>$link</p>'
)

# name -> (subject, action, plain-text lead, footer (singular, plural by minutes))
_LINK_MAILS: dict[str, tuple[str, str, str, tuple[str, str]]] = {
    "verify": (
        N_("Confirm your email address"),
        N_("Confirm my address"),
        N_(
            "Hello %(name)s,\n\nplease confirm that %(email)s is your address by opening this link:"
        ),
        NP_(
            "The link works once and expires in %(minutes)s minute. If you did not sign up,"
            " ignore this mail.",
            "The link works once and expires in %(minutes)s minutes. If you did not sign up,"
            " ignore this mail.",
        ),
    ),
    "reset": (
        N_("Reset your password"),
        N_("Choose a new password"),
        N_(
            "Hello %(name)s,\n\nsomeone (hopefully you) asked to reset the password of"
            " %(email)s. Choose a new one here:"
        ),
        NP_(
            "The link works once and expires in %(minutes)s minute. If you did not ask, ignore"
            " this mail: your password stays as it is.",
            "The link works once and expires in %(minutes)s minutes. If you did not ask, ignore"
            " this mail: your password stays as it is.",
        ),
    ),
    "magic": (
        N_("Your sign-in link"),
        N_("Sign me in"),
        N_("Hello %(name)s,\n\nopen this link to sign in as %(email)s:"),
        NP_(
            "The link works once and expires in %(minutes)s minute. If you did not ask for it,"
            " ignore this mail.",
            "The link works once and expires in %(minutes)s minutes. If you did not ask for it,"
            " ignore this mail.",
        ),
    ),
}


def link_mail(
    purpose: str, *, to: str, name: str, link: str, minutes: int, lang: str = "en"
) -> Message:
    lang = choose(lang, None, "en")  # "de-AT" -> "de"; an unknown language -> English
    catalogue = translations(lang)
    subject_id, action_id, lead_id, (footer_one, footer_many) = _LINK_MAILS[purpose]
    subject = catalogue.gettext(subject_id)
    action = catalogue.gettext(action_id)
    lead = catalogue.gettext(lead_id)
    footer = catalogue.ngettext(footer_one, footer_many, minutes)
    values = {"name": name, "email": to, "minutes": str(minutes)}
    lead_text = lead % values
    footer_text = footer % values
    text = f"{lead_text}\n\n{link}\n\n{footer_text}\n"
    safe = {k: escape(v, quote=True) for k, v in values.items()}
    paragraphs = "".join(
        f"<p>{p.replace(chr(10), '<br>')}</p>" for p in (lead % safe).split("\n\n")
    )
    button = Template(_BUTTON).substitute(
        link=escape(link, quote=True),
        action=escape(action),
        paste=escape(catalogue.gettext("Or paste this address into your browser:")),
    )
    html = _LAYOUT.substitute(
        lang=lang,
        dir=direction(lang),
        subject=escape(subject),
        body=paragraphs + button,
        footer=footer % safe,
    )
    return Message(to=to, subject=subject, text=text, html=html)
