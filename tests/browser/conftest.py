"""Browser stories: the real server in a subprocess, driven through Debian's Chromium.

Each test module gets its own server on a fresh data directory, so stories do not see each
other's comments. Playwright never downloads a browser here: it launches /usr/bin/chromium.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import TownhallServer, free_port

CHROMIUM = os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra environment for the module's server; modules override this fixture."""
    return {}


@pytest.fixture(scope="module")
def townhall(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[TownhallServer]:
    data_dir = tmp_path_factory.mktemp("townhall-data")
    server = TownhallServer(data_dir, free_port(), server_env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def restart_townhall(townhall: TownhallServer):
    """Call it to stop the server and start it again on the same data directory and port."""
    return townhall.restart


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Opens a page in a fresh browser context (a separate reader with its own cookies)."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


PASSWORD = "correct horse battery staple"


def comment_box(page):
    """The Townhall box on a page, found the way a screen-reader user would."""
    return page.get_by_role("region", name="Comments", exact=True)


def sign_up_in_box(page, name: str, email: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    box = comment_box(page)
    box.get_by_role("button", name="Sign up", exact=True).click()
    form = box.get_by_role("form", name="Sign up")
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_role("button", name="Create account").click()
    expect(box.get_by_text(f"Signed in as {name}", exact=True)).to_be_visible()


def post_comment(page, text: str):
    """Posts a top-level comment and returns its article once it is on the page."""
    from playwright.sync_api import expect

    box = comment_box(page)
    box.get_by_label("Your comment", exact=True).fill(text)
    box.get_by_role("button", name="Post comment").click()
    article = box.get_by_role("article").filter(has_text=text)
    expect(article).to_be_visible()
    return article


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture
def box():
    """`box(page)` returns the comment box locator."""
    return comment_box


@pytest.fixture
def sign_up():
    """`sign_up(page, name, email)` signs a reader up through the box's own form."""
    return sign_up_in_box


@pytest.fixture
def post():
    """`post(page, text)` posts a top-level comment and returns its article locator."""
    return post_comment


@pytest.fixture(scope="session")
def get_free_port():
    """`get_free_port()` returns a port on 127.0.0.1 that nothing listens on."""
    return free_port


def call_api(server: TownhallServer, method: str, path: str, body=None, token: str | None = None):
    """One JSON call to the server's API, as another client would make it."""
    import json

    # Same-origin, like the demo page: only such a request may create a thread.
    headers = {"Accept": "application/json", "Origin": server.url}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = server.url + "/api/v1" + path
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
            raw = answer.read()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path} -> {error.code}: {error.read()!r}") from None
    return json.loads(raw) if raw else None


@pytest.fixture
def api(townhall):
    """`api(method, path, body=None, token=None)` calls the module's server directly."""

    def call(method: str, path: str, body=None, token: str | None = None):
        return call_api(townhall, method, path, body, token)

    return call
