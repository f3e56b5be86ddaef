"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises.

Raw HTML in comments is not rendered at all (``html=False``); nh3 is the second wall in
case a renderer bug lets something through. Images are not allowed: an <img> in a comment
would let its author track every reader of the thread.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["linkify", "strikethrough"])
    md.disable(["image", "heading", "lheading", "table"], ignoreInvalid=True)
    return md


def render(source: str) -> str:
    html = _renderer().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    ).strip()
