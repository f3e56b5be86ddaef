"""Claiming an imported account (#6): the owner of the address sets a password by mail."""

from __future__ import annotations

from typing import Any

from tests.conftest import Reader
from tests.identity.conftest import Mailbox, link_in
from townhall.domain.services import Services
from townhall.store import imports as import_store

EMAIL = "olga.archive@example.org"


def _imported_author(services: Services) -> int:
    """An author the way every importer creates one: an account without a password."""
    with services.db.write() as conn:
        ids = import_store.create_users(
            conn, [{"email": EMAIL, "name": "Olga"}], services.clock.now_ms()
        )
    return ids[EMAIL]


def test_an_imported_author_claims_the_account_by_mail(
    app: Any, services: Services, mailbox: Mailbox
) -> None:
    user_id = _imported_author(services)
    olga = Reader(app)
    refused = olga.http.post(
        "/api/v1/auth/signin", json={"email": EMAIL, "password": "any guess at all"}
    )
    assert refused.status_code == 401

    asked = olga.http.post("/api/v1/auth/password-reset", json={"email": EMAIL})
    assert asked.status_code == 202
    url, kind, token = link_in(mailbox.last_to(EMAIL))
    assert kind == "reset"
    done = olga.http.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "my own words"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["user"]["id"] == user_id

    again = Reader(app)
    signed_in = again.http.post(
        "/api/v1/auth/signin", json={"email": EMAIL, "password": "my own words"}
    )
    assert signed_in.status_code == 200, signed_in.text
    me = again.http.get("/api/v1/auth/me").json()["user"]
    assert (me["id"], me["name"]) == (user_id, "Olga")
