"""A moderator with an authenticator app signs in to the dashboard in Chromium: the password
alone is refused with a message that asks for the code; the code lets them in (#5)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.support.hostpage import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "nightdesk@example.org"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"TOWNHALL_STAFF_2FA_REQUIRED": "true"}


def _fresh_code(secret: str) -> str:
    """A code from a 30-second step no earlier sign-in used (each step works once)."""
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    while int(time.time()) // 30 == step:
        time.sleep(0.5)
    return totp.now()


def test_a_moderator_signs_in_to_the_dashboard_with_an_authenticator_code(
    townhall, api, new_page
) -> None:
    env = {**os.environ, "TOWNHALL_DATA_DIR": str(townhall.data_dir)}
    command = [sys.executable, "-m", "townhall", "users", "create", EMAIL, "--moderator"]
    command += ["--password", PASSWORD, "--name", "Night Desk"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)  # noqa: S603
    creds = {"email": EMAIL, "password": PASSWORD}
    secret = api("POST", "/auth/2fa", creds)["secret"]
    api("POST", "/auth/2fa/confirm", {**creds, "code": pyotp.TOTP(secret).now()})

    page = new_page()
    page.goto(townhall.url + "/dashboard/signin")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("6-digit code")

    page.get_by_label("Authenticator code").fill(_fresh_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Pending")).to_be_visible()
