"""Bodies from other systems arrive as HTML: keep a cleaned copy to show, and plain text
for the author to edit. Same allow-list as comments written here (domain/markdown.py)."""

from __future__ import annotations

import html as htmllib
import re

import nh3

from townhall.domain.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|div|blockquote|li|pre|h[1-6])\s*>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_html(source: str) -> str:
    return nh3.clean(
        source,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    ).strip()


def html_to_text(source: str) -> str:
    marked = _BLOCK_END.sub("\n\n", _BREAK.sub("\n", source))
    text = htmllib.unescape(nh3.clean(marked, tags=set()))
    return _BLANK_LINES.sub("\n\n", text).strip()


def from_html(source: str) -> tuple[str, str]:
    """(body, html) for an HTML message such as Disqus's."""
    return html_to_text(source), clean_html(source)


def from_text_with_html(source: str) -> tuple[str, str]:
    """(body, html) for WordPress-style text: paragraphs at blank lines, breaks at newlines,
    inline HTML allowed."""
    text = source.replace("\r\n", "\n").strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    marked = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    return html_to_text(marked), clean_html(marked)


def from_markdown(source: str) -> tuple[str, str]:
    """(body, html) for Markdown sources (Isso, Commento, our own exports)."""
    body = source.strip()
    return body, render(body)
