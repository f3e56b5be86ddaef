"""Mail texts, each in plain text and HTML. Values are escaped for the HTML part; the
templates themselves are ours, so only the values can carry markup."""

from __future__ import annotations

from html import escape
from string import Template

from townhall.notify.mail import Message

_LAYOUT = Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>$subject</title></head>
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
    '<p style="font-size: 0.9em;">Or paste this address into your browser:<br>$link</p>'
)

# name -> (subject, action, plain-text lead, footer)
_LINK_MAILS: dict[str, tuple[str, str, str, str]] = {
    "verify": (
        "Confirm your email address",
        "Confirm my address",
        "Hello $name,\n\nplease confirm that $email is your address by opening this link:",
        "The link works once and expires in $minutes minutes. If you did not sign up,"
        " ignore this mail.",
    ),
    "reset": (
        "Reset your password",
        "Choose a new password",
        "Hello $name,\n\nsomeone (hopefully you) asked to reset the password of $email."
        " Choose a new one here:",
        "The link works once and expires in $minutes minutes. If you did not ask, ignore this"
        " mail: your password stays as it is.",
    ),
    "magic": (
        "Your sign-in link",
        "Sign me in",
        "Hello $name,\n\nopen this link to sign in as $email:",
        "The link works once and expires in $minutes minutes. If you did not ask for it,"
        " ignore this mail.",
    ),
}


def link_mail(purpose: str, *, to: str, name: str, link: str, minutes: int) -> Message:
    subject, action, lead, footer = _LINK_MAILS[purpose]
    values = {"name": name, "email": to, "minutes": str(minutes), "link": link}
    lead_text = Template(lead).substitute(values)
    footer_text = Template(footer).substitute(values)
    text = f"{lead_text}\n\n{link}\n\n{footer_text}\n"
    safe = {k: escape(v, quote=True) for k, v in values.items()}
    paragraphs = "".join(
        f"<p>{p.replace(chr(10), '<br>')}</p>"
        for p in Template(lead).substitute(safe).split("\n\n")
    )
    button = Template(_BUTTON).substitute(link=safe["link"], action=escape(action))
    html = _LAYOUT.substitute(
        subject=escape(subject),
        body=paragraphs + button,
        footer=Template(footer).substitute(safe),
    )
    return Message(to=to, subject=subject, text=text, html=html)
