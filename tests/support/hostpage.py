"""A publisher's article page for the box, served on the Townhall origin by Playwright's
router: any thread, language, direction or theme attribute without touching the demo page."""

from __future__ import annotations

import random
from html import escape

PASSWORD = "correct horse battery staple"


def open_host_page(
    page, server_url: str, thread: str, *, html_lang: str = "en", box_attrs: str = ""
) -> None:
    url = f"{server_url}/host-page/{thread}"
    html = f"""<!doctype html>
<html lang="{escape(html_lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Article {escape(thread)}</title>
<style>body {{ margin: 0; font-family: Georgia, serif; }} main {{ max-width: 44rem;
margin: 0 auto; padding: 1rem 1.25rem; }}</style></head>
<body><main><h1>Article</h1><p>The story.</p>
<div data-townhall-thread="{escape(thread)}" {box_attrs}></div></main>
<script src="/widget/townhall.js" defer></script></body></html>"""
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(url)


def sign_up_by_api(api, name: str) -> str:
    email = name.lower().replace(" ", ".") + "@example.org"
    body = {"email": email, "password": PASSWORD, "name": name}
    return api("POST", "/auth/signup", body)["token"]


def post_by_api(api, token: str, thread: str, body: str, parent_id: int | None = None) -> dict:
    payload: dict = {"thread": thread, "body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    return api("POST", "/comments", payload, token)


def distinct_text(n: int, words: int = 10) -> str:
    """A sentence of its own, so moderation's near-duplicate checks never hold it."""
    rng = random.Random(n)  # noqa: S311 - test data, not security
    made_up = ("".join(rng.choices("aeioulmnrstkpdv", k=rng.randint(4, 9))) for _ in range(words))
    return f"Note {n}: " + " ".join(made_up) + "."
