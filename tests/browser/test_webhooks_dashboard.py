"""An admin adds a webhook on the dashboard in Chromium, copies the secret shown once, and
a comment then reaches a receiver on loopback signed with that secret; the test ping and
the delivery log follow. axe-core checks each state of the two pages (WCAG 2.2 A/AA)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y import assert_clean
from tests.browser.test_dashboard import ADMIN, admin, sign_in_to_dashboard  # noqa: F401
from tests.support.axe import run_axe
from tests.support.hostpage import distinct_text, sign_up_by_api
from tests.webhooks.conftest import Receiver, receiver  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"TOWNHALL_WEBHOOK_ALLOW_PRIVATE": "true", "TOWNHALL_WEBHOOK_POLL_SECONDS": "0.1"}


def signed_by(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


def test_an_admin_adds_a_webhook_and_reads_its_delivery_log(
    townhall,
    api,
    admin,  # noqa: F811
    new_page,
    receiver: Receiver,  # noqa: F811
) -> None:
    reports = []
    chief = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in_to_dashboard(chief, townhall, ADMIN)
    expect(chief.get_by_role("heading", level=1, name="Pending")).to_be_visible()
    chief.goto(f"{townhall.url}/admin/sites/default")
    chief.get_by_role("link", name="Webhooks of this site").click()
    expect(chief.get_by_role("heading", level=1, name="Webhooks of default")).to_be_visible()
    expect(chief.get_by_text("No webhooks yet.")).to_be_visible()
    reports.append(run_axe(chief, "dashboard: webhooks, none yet"))

    url_field = chief.get_by_label("URL that receives the events")
    url_field.fill("ftp://example.org/hook")
    chief.get_by_role("button", name="Add webhook").click()
    expect(chief.get_by_role("alert")).to_contain_text("start with https://")
    reports.append(run_axe(chief, "dashboard: webhooks, a refused URL"))

    url_field.fill(receiver.url)
    chief.get_by_role("checkbox", name="user.unbanned").uncheck()
    chief.get_by_role("button", name="Add webhook").click()
    secret_box = chief.locator("#webhook-secret")
    expect(secret_box).to_be_visible()
    expect(secret_box).to_be_focused()
    secret = chief.locator("#webhook-secret-value").inner_text()
    assert secret.startswith("whsec_")
    reports.append(run_axe(chief, "dashboard: webhooks, the secret shown once"))
    chief.get_by_role("button", name="Done").click()
    row = chief.get_by_role("row").filter(has_text=receiver.url)
    expect(row).to_contain_text("comment.created, comment.edited, comment.moderated, user.banned")
    expect(chief.locator("#webhook-secret")).to_be_hidden()
    assert secret not in chief.content()
    reports.append(run_axe(chief, "dashboard: webhooks, one registered"))

    ana = sign_up_by_api(api, "Ana Hook")
    text = distinct_text(500)
    api("POST", "/comments", {"thread": "hooked", "body": text}, ana)
    (created,) = receiver.wait_for(1)
    assert json.loads(created.body)["comment"]["body"] == text
    assert signed_by(secret, created.headers["Townhall-Signature"], created.body)

    row.get_by_role("button", name="Send a test ping").click()
    expect(chief.locator("#status")).to_contain_text("Test ping queued")
    ping = receiver.wait_for(2)[1]
    assert ping.headers["Townhall-Event"] == "ping"

    row.get_by_role("link", name=receiver.url).click()
    heading = f"Deliveries to {receiver.url}"
    expect(chief.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(chief.get_by_role("row").filter(has_text="comment.created")).to_contain_text("delivered")
    expect(chief.get_by_role("row").filter(has_text="ping")).to_have_count(1)
    reports.append(run_axe(chief, "dashboard: a webhook's delivery log"))
    assert_clean(reports)
