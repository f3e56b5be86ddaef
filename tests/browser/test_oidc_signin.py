"""A reader signs in with the site's OpenID Connect provider in Chromium (#5): the box's
"Sign in with Test ID" button, the provider's consent page (a real provider on loopback,
tests/support/oidc_provider.py), and back on the article, signed in, posting a comment.
Once on the demo page (Townhall's own origin) and once on a publisher's page on another
origin, where the box keeps its session as a bearer token."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pyotp
import pytest
from playwright.sync_api import expect

from tests.support.hostpage import PASSWORD
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider
from tests.support.server import TownhallServer, free_port

pytestmark = pytest.mark.browser


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def host_site(tmp_path_factory) -> Iterator[dict]:
    """A publisher's static article on http://localhost:PORT (another origin)."""
    root = tmp_path_factory.mktemp("oidc-host-site")
    server = ThreadingHTTPServer(
        ("127.0.0.1", free_port()), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"root": root, "origin": f"http://localhost:{server.server_address[1]}"}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server_env(host_site) -> dict[str, str]:
    return {"TOWNHALL_SITE_ORIGINS": host_site["origin"]}


@pytest.fixture(scope="module")
def provider(townhall: TownhallServer) -> Iterator[OidcProvider]:
    """The provider, and the site configured for it through the command line."""
    with running_provider() as running:
        running.auto_approve = False  # the reader sees a consent page and clicks Allow
        running.redirect_uris = [f"{townhall.url}/api/v1/auth/oidc/callback"]
        env = {
            **os.environ,
            "TOWNHALL_DATA_DIR": str(townhall.data_dir),
            "TOWNHALL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
        command = [sys.executable, "-m", "townhall", "oidc", "add", "--name", "Test ID"]
        command += ["--issuer", running.issuer, "--client-id", CLIENT_ID]
        added = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        assert added.returncode == 0, added.stderr
        assert "Added provider" in added.stdout
        yield running


def _sign_in_with_provider(page, box, name: str) -> None:
    comments = box(page)
    comments.get_by_role("button", name="Sign in", exact=True).click()
    form = comments.get_by_role("form", name="Sign in")
    form.get_by_role("button", name="Sign in with Test ID").click()
    # At the provider: its own page, on its own origin.
    expect(page.get_by_role("heading", name=f"Sign in to Townhall as {name}?")).to_be_visible()
    page.get_by_role("button", name="Allow").click()


def test_a_reader_signs_in_with_the_provider_on_the_demo_article(
    townhall, provider, new_page, box, post
) -> None:
    page = new_page()
    page.goto(townhall.url + "/")
    article_url = page.url
    _sign_in_with_provider(page, box, "Ada Lovelace")

    expect(box(page).get_by_text("Signed in as Ada Lovelace", exact=True)).to_be_visible()
    assert page.url == article_url  # back on the article, the hand-off token gone
    comment = post(page, "Signed in through the newsroom's provider, and it worked.")
    expect(comment.get_by_text("Ada Lovelace")).to_be_visible()
    page.reload()
    expect(box(page).get_by_text("Signed in as Ada Lovelace", exact=True)).to_be_visible()


def test_the_same_works_from_a_publishers_page_on_another_origin(
    townhall, provider, host_site, new_page, box, post
) -> None:
    provider.user.sub, provider.user.email = "user-2", "grace@provider.example"
    provider.user.name = "Grace Hopper"
    (host_site["root"] / "story.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Story</title></head>"
        "<body><h1>A story on the publisher's site</h1>"
        '<div data-townhall-thread="oidc-elsewhere" data-townhall-title="Elsewhere"></div>'
        f'<script src="{townhall.url}/widget/townhall.js" defer></script></body></html>'
    )
    page = new_page()
    story = f"{host_site['origin']}/story.html"
    page.goto(story)
    _sign_in_with_provider(page, box, "Grace Hopper")

    expect(box(page).get_by_text("Signed in as Grace Hopper", exact=True)).to_be_visible()
    assert page.url == story
    token = page.evaluate(f"localStorage.getItem('townhall-token:{townhall.url}')")
    assert token  # cross-origin, the session is a bearer token the box keeps
    post(page, "A reader from the publisher's own page, signed in with the provider.")


def test_an_admin_adds_and_removes_a_provider_on_the_dashboard(
    townhall, provider, new_page, box
) -> None:
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "create", "chief@example.org"]
    command += ["--admin", "--password", PASSWORD, "--name", "Chief Editor"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    chief = new_page()
    chief.goto(townhall.url + "/admin/signin")
    chief.get_by_label("Email").fill("chief@example.org")
    chief.get_by_label("Password").fill(PASSWORD)
    chief.get_by_role("button", name="Sign in").click()
    expect(chief.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    chief.goto(townhall.url + "/admin/sites/default")
    providers = chief.get_by_role("region", name="Sign-in providers (OpenID Connect)")
    expect(providers).to_contain_text(f"{townhall.url}/api/v1/auth/oidc/callback")
    expect(providers.get_by_role("listitem")).to_contain_text("Test ID")

    providers.get_by_label("Button name").fill("Newsroom")
    providers.get_by_label("Issuer URL").fill(provider.issuer)
    providers.get_by_label("Client id").fill(CLIENT_ID)
    providers.get_by_label("Client secret").fill(CLIENT_SECRET)
    providers.get_by_role("button", name="Add provider").click()
    expect(chief.locator("#status")).to_contain_text("Newsroom added.")
    expect(providers).to_contain_text("secret …" + CLIENT_SECRET[-4:])
    expect(providers).not_to_contain_text(CLIENT_SECRET)

    reader = new_page()
    reader.goto(townhall.url + "/")
    box(reader).get_by_role("button", name="Sign in", exact=True).click()
    form = box(reader).get_by_role("form", name="Sign in")
    expect(form.get_by_role("button", name="Sign in with Newsroom")).to_be_visible()

    providers.get_by_role("button", name="Remove Newsroom").click()
    expect(chief.locator("#status")).to_contain_text("Newsroom removed.")
    expect(providers.get_by_role("listitem")).to_have_count(1)
    expect(providers.get_by_role("list")).not_to_contain_text("Newsroom")


def test_a_moderator_with_two_factor_adds_the_code_after_the_provider(
    townhall, provider, new_page, box
) -> None:
    """A provider's sign-in is one factor: staff with an authenticator app finish in the box
    with its code, and the hand-off waits unused until they do (#5)."""
    provider.user.sub, provider.user.email = "user-4", "night.editor@provider.example"
    provider.user.name = "Night Editor"
    page = new_page()
    page.goto(townhall.url + "/")
    _sign_in_with_provider(page, box, "Night Editor")
    comments = box(page)
    expect(comments.get_by_text("Signed in as Night Editor", exact=True)).to_be_visible()
    same_origin = {"Origin": townhall.url}
    enrolled = page.request.post(f"{townhall.url}/api/v1/auth/2fa", headers=same_origin)
    assert enrolled.status == 201, enrolled.text()
    secret = enrolled.json()["secret"]
    confirmed = page.request.post(
        f"{townhall.url}/api/v1/auth/2fa/confirm",
        headers=same_origin,
        data={"code": pyotp.TOTP(secret).now()},
    )
    assert confirmed.status == 200, confirmed.text()
    recovery = confirmed.json()["recovery_codes"]
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "role", provider.user.email, "moderator"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    comments.get_by_role("button", name="Sign out").click()

    _sign_in_with_provider(page, box, "Night Editor")
    comments = box(page)
    expect(comments.get_by_role("alert")).to_contain_text("two-factor authentication")
    expect(comments.get_by_text("Signed in as Night Editor")).to_have_count(0)
    comments.get_by_label("Authenticator code").fill(recovery[0])
    comments.get_by_role("button", name="Sign in", exact=True).click()
    expect(comments.get_by_text("Signed in as Night Editor", exact=True)).to_be_visible()
