"""The box embedded on another origin: CORS, and a bearer token instead of a cookie."""

from __future__ import annotations

import functools
import json
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

THREAD = "elsewhere-report"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def host_site(tmp_path_factory, get_free_port):
    """A static news page on http://localhost:PORT, another origin than 127.0.0.1."""
    root = tmp_path_factory.mktemp("host-site")
    port = get_free_port()
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"root": root, "origin": f"http://localhost:{port}"}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server_env(host_site):
    return {"TOWNHALL_SITE_ORIGINS": host_site["origin"]}


def test_box_embedded_on_another_origin(townhall, host_site, new_page, box, sign_up, post):
    page_url = f"{host_site['origin']}/story.html"
    (host_site["root"] / "story.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Elsewhere</title></head>"
        "<body><h1>A story on another site</h1>"
        f'<div data-townhall-thread="{THREAD}" data-townhall-title="A story elsewhere"></div>'
        f'<script src="{townhall.url}/widget/townhall.js" defer></script></body></html>'
    )
    page = new_page()
    page.goto(page_url)
    comments = box(page)
    expect(comments.get_by_role("heading", name="No comments yet")).to_be_visible()
    expect(page.locator(f'link[href="{townhall.url}/widget/townhall.css"]')).to_have_count(1)

    sign_up(page, "Remote Reader", "remote@example.org")
    token = page.evaluate(f"localStorage.getItem('townhall-token:{townhall.url}')")
    assert token
    article = post(page, "Posted from a page on another origin.")

    # The token, not a third-party cookie, keeps the reader signed in across a reload.
    page.reload()
    expect(comments.get_by_text("Signed in as Remote Reader")).to_be_visible()
    expect(article.get_by_role("button", name="Edit")).to_be_visible()

    # The first comment from an allowed origin created the thread with the page's title and URL.
    url = f"{townhall.url}/api/v1/comments?site=default&thread={THREAD}"
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        thread = json.load(answer)["thread"]
    assert thread["comment_count"] == 1
    assert thread["title"] == "A story elsewhere"
    assert thread["url"] == page_url

    comments.get_by_role("button", name="Sign out").click()
    expect(comments.get_by_text("Sign in or sign up to post comments")).to_be_visible()
    assert page.evaluate(f"localStorage.getItem('townhall-token:{townhall.url}')") is None
