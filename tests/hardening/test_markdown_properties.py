"""Whatever a comment says, its rendered HTML holds only the allowed tags, no event
handler, no script-capable URL, and every tag it opens it closes."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townhall.domain.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render

EXAMPLES = int(os.environ.get("TOWNHALL_MARKDOWN_EXAMPLES", "400"))
VOID = {"br", "hr"}

# Fragments attackers combine; hypothesis glues them together with arbitrary text.
FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:", "&#106;avascript:",
    "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "[a](", "](", ")", "![i](",
    "<a href=", '"', "'", "`", "<", ">", "&", "&lt;", "\\", "*", "_", "~~", "\n\n", "    ",
    "> ", "- ", "1. ", "<http://", "<javascript:alert(1)>", "onmouseover=", "style=",
    "<!--", "-->", "<![CDATA[", "<math>", "<iframe", "</p>", "<p", "\u202e", "\u0000",
    "[x]: javascript:alert(1)", "[y][x]", "www.example.org", "https://example.org/?a=<b>",
]  # fmt: skip
SOURCE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30).map(
    "".join
)


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}
        for name, value in attrs:
            if name not in allowed or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in URL_SCHEMES:
                    self.problems.append(f"href {value!r}")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"unbalanced </{tag}> (open: {self.open})")
        else:
            self.open.pop()


def audit(html: str) -> list[str]:
    parser = Audit()
    parser.feed(html)
    parser.close()
    return parser.problems + [f"unclosed <{tag}>" for tag in parser.open]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(source=SOURCE)
def test_rendered_comments_hold_only_safe_balanced_html(source: str) -> None:
    html = render(source)
    assert audit(html) == [], (source, html)


@settings(max_examples=EXAMPLES // 4, deadline=None, database=None)
@given(source=st.text(max_size=200))
def test_any_unicode_text_renders_safely(source: str) -> None:
    assert audit(render(source)) == []


def test_the_audit_itself_catches_what_it_looks_for() -> None:
    assert audit('<a href="javascript:x">') != []
    assert audit("<p><em>x</p>") != []
    assert audit('<p onclick="x">') != []
    assert audit('<p><strong>ok</strong> <a href="https://e.org">e</a></p>') == []
