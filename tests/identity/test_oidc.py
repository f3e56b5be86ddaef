"""Readers sign in through a site's OpenID Connect provider: a real provider on loopback
(tests/support/oidc_provider.py), Townhall's own HTTP routes, and the hand-off back to the
article. The browser story is tests/browser/test_oidc_signin.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import Reader
from tests.identity.conftest import StepClock
from tests.moderation.conftest import promote
from tests.support.figures import Figures
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider
from tests.support.server import free_port
from townhall.domain import oidc
from townhall.domain.services import Services

ARTICLE = "https://news.example.org/2026/12/bridge"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        running.redirect_uris = ["http://testserver/api/v1/auth/oidc/callback"]
        yield running


@pytest.fixture
def configured(services: Services, app: Any, provider: OidcProvider) -> dict[str, Any]:
    return oidc.add_provider(
        services,
        user=None,
        site="default",
        name="Test ID",
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        trusted=True,
    )


def _to_provider(reader: Reader, provider_id: int, return_to: str = ARTICLE) -> str:
    start = reader.http.get(
        f"/api/v1/auth/oidc/{provider_id}/start",
        params={"return_to": return_to},
        follow_redirects=False,
    )
    assert start.status_code == 302, start.text
    return str(start.headers["location"])


def _at_provider(authorize_url: str) -> str:
    """The reader's browser at the provider, which approves and sends it back."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"])


def _sign_in(reader: Reader, provider_id: int) -> dict[str, Any]:
    callback = _at_provider(_to_provider(reader, provider_id))
    back = reader.http.get(callback, follow_redirects=False)
    assert back.status_code == 302, back.text
    article, _, fragment = back.headers["location"].partition("#")
    assert article == ARTICLE and fragment.startswith("townhall-oidc=")
    handoff = reader.http.post(
        "/api/v1/auth/oidc/handoff", json={"token": fragment.removeprefix("townhall-oidc=")}
    )
    assert handoff.status_code == 200, handoff.text
    user: dict[str, Any] = handoff.json()["user"]
    return user


def test_a_reader_signs_in_with_the_provider_and_comments(
    anonymous: Reader, configured: dict[str, Any], provider: OidcProvider, figures: Figures
) -> None:
    authorize = urlsplit(_to_provider(anonymous, configured["id"]))
    asked = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == provider.issuer + (
        "/authorize"
    )
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["client_id"] == CLIENT_ID and asked["scope"] == "openid email profile"
    assert asked["redirect_uri"] == "http://testserver/api/v1/auth/oidc/callback"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32

    started = time.perf_counter()
    user = _sign_in(anonymous, configured["id"])
    first = time.perf_counter() - started
    started = time.perf_counter()
    assert _sign_in(Reader(anonymous.http.app), configured["id"])["id"] == user["id"]
    figures(
        f"OIDC sign-in round trip (start, provider, callback, hand-off): first {first * 1000:.0f}"
        f" ms (discovery and keys fetched), then {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    assert (user["name"], user["email"], user["role"]) == (
        "Ada Lovelace",
        "ada@provider.example",
        "reader",
    )
    assert anonymous.http.get("/api/v1/auth/me").json()["user"]["id"] == user["id"]
    assert anonymous.post("Who pays for the new bridge?")["author"]["name"] == "Ada Lovelace"
    # Accounts from a provider have no password here.
    attempt = {"email": "ada@provider.example", "password": "anything at all"}
    assert anonymous.http.post("/api/v1/auth/signin", json=attempt).status_code == 401


def test_the_second_sign_in_finds_the_same_account(
    app: Any, configured: dict[str, Any], provider: OidcProvider
) -> None:
    first = _sign_in(Reader(app), configured["id"])
    provider.user.name = "Ada L."  # the provider's profile changed; the key is the subject
    again = _sign_in(Reader(app), configured["id"])
    assert again["id"] == first["id"]
    provider.user.sub, provider.user.email = "user-2", "grace@provider.example"
    other = _sign_in(Reader(app), configured["id"])
    assert other["id"] != first["id"]


def test_a_password_account_with_the_same_address_is_not_taken_over(
    make_reader: Any, anonymous: Reader, configured: dict[str, Any]
) -> None:
    owner = make_reader("Ada", email="ada@provider.example")
    callback = _at_provider(_to_provider(anonymous, configured["id"]))
    refused = anonymous.http.get(callback, follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "already has an account" in refused.json()["detail"]
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401
    assert owner.http.get("/api/v1/auth/me").json()["user"]["name"] == "Ada"


def test_a_state_works_once(anonymous: Reader, configured: dict[str, Any]) -> None:
    callback = _at_provider(_to_provider(anonymous, configured["id"]))
    assert anonymous.http.get(callback, follow_redirects=False).status_code == 302
    replay = anonymous.http.get(callback, follow_redirects=False)
    assert replay.status_code == 400
    problem = replay.json()
    assert problem["type"].endswith("/oidc-failed")
    assert "unknown or was already completed" in problem["detail"]
    unknown = anonymous.http.get("/api/v1/auth/oidc/callback?state=made-up&code=x")
    assert unknown.status_code == 400


def test_a_sign_in_left_too_long_expires(
    anonymous: Reader, configured: dict[str, Any], services: Services
) -> None:
    clock = StepClock(services.clock.now_ms())
    services.clock = clock
    callback = _at_provider(_to_provider(anonymous, configured["id"]))
    clock.advance(oidc.STATE_SECONDS + 1)
    late = anonymous.http.get(callback, follow_redirects=False)
    assert late.status_code == 400 and "expired" in late.json()["detail"]

    back = anonymous.http.get(
        _at_provider(_to_provider(anonymous, configured["id"])), follow_redirects=False
    )
    clock.advance(oidc.HANDOFF_SECONDS + 1)
    token = back.headers["location"].partition("#townhall-oidc=")[2]
    stale = anonymous.http.post("/api/v1/auth/oidc/handoff", json={"token": token})
    assert stale.status_code == 400 and "expired" in stale.json()["detail"]
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401


def test_a_hand_off_token_works_once(anonymous: Reader, configured: dict[str, Any]) -> None:
    callback = _at_provider(_to_provider(anonymous, configured["id"]))
    back = anonymous.http.get(callback, follow_redirects=False).headers["location"]
    token = back.partition("#townhall-oidc=")[2]
    assert anonymous.http.post("/api/v1/auth/oidc/handoff", json={"token": token}).is_success
    again = anonymous.http.post("/api/v1/auth/oidc/handoff", json={"token": token})
    assert again.status_code == 400 and "already used" in again.json()["detail"]


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        ({"nonce": "not-the-one-asked-for"}, "nonce"),
        ({"foreign_key": True}, "signature"),
        ({"audience": "another-client"}, "aud"),
    ],
)
def test_a_bad_id_token_is_refused(
    anonymous: Reader,
    configured: dict[str, Any],
    provider: OidcProvider,
    wrong: dict[str, Any],
    words: str,
) -> None:
    for name, value in wrong.items():
        setattr(provider.wrong, name, value)
    callback = _at_provider(_to_provider(anonymous, configured["id"]))
    refused = anonymous.http.get(callback, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    detail = refused.json()["detail"]
    assert detail.startswith("The provider's ID token was refused") and words in detail.lower()
    assert anonymous.http.get("/api/v1/auth/me").status_code == 401


def test_pkce_binds_the_code_to_the_sign_in_that_asked_for_it(
    app: Any, configured: dict[str, Any], provider: OidcProvider
) -> None:
    victim, attacker = Reader(app), Reader(app)
    stolen = parse_qs(urlsplit(_at_provider(_to_provider(victim, configured["id"]))).query)
    # The provider itself refuses the code with a verifier that does not match.
    direct = httpx.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": stolen["code"][0],
            "redirect_uri": "http://testserver/api/v1/auth/oidc/callback",
            "code_verifier": "x" * 64,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    assert direct.status_code == 400
    assert direct.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE verification failed",
    }
    # An attacker injecting a victim's code into their own sign-in fares no better.
    own = parse_qs(urlsplit(_at_provider(_to_provider(attacker, configured["id"]))).query)
    mixed = attacker.http.get(
        "/api/v1/auth/oidc/callback",
        params={"state": own["state"][0], "code": _fresh_code(victim, configured, provider)},
    )
    assert mixed.status_code == 400
    assert "PKCE verification failed" in mixed.json()["detail"]


def _fresh_code(victim: Reader, configured: dict[str, Any], provider: OidcProvider) -> str:
    query = parse_qs(urlsplit(_at_provider(_to_provider(victim, configured["id"]))).query)
    return query["code"][0]


def test_a_reader_who_declines_gets_a_page_that_says_so(
    anonymous: Reader, configured: dict[str, Any], provider: OidcProvider
) -> None:
    provider.auto_approve = False
    authorize = _to_provider(anonymous, configured["id"])
    assert "Allow" in httpx.get(authorize).text
    fields = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    denied = httpx.post(
        f"{provider.issuer}/authorize", data={**fields, "decision": "deny"}, follow_redirects=False
    )
    page = anonymous.http.get(denied.headers["location"], headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "You did not allow Test ID to sign you in here" in page.text
    assert f'href="{ARTICLE}"' in page.text

    # A reader whose browser asks for Arabic reads the page in Arabic, right to left, without
    # the provider's English detail mixed in.
    arabic = anonymous.http.get(
        denied.headers["location"], headers={"Accept": "text/html", "Accept-Language": "ar"}
    )
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "تعذّر على مزوّد تسجيل الدخول إدخالك" in arabic.text
    assert "You did not allow" not in arabic.text


def test_unknown_providers_and_foreign_return_addresses_are_refused(
    anonymous: Reader, configured: dict[str, Any]
) -> None:
    unknown = anonymous.http.get(
        "/api/v1/auth/oidc/987654/start", params={"return_to": ARTICLE}, follow_redirects=False
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "no sign-in provider 987654" in unknown.json()["detail"]
    elsewhere = anonymous.http.get(
        f"/api/v1/auth/oidc/{configured['id']}/start",
        params={"return_to": "https://evil.example/steal"},
        follow_redirects=False,
    )
    assert elsewhere.status_code == 422
    assert "return_to must be a page of site 'default'" in elsewhere.json()["detail"]
    assert anonymous.http.get(f"/api/v1/auth/oidc/{configured['id']}/start").status_code == 422


def test_an_unreachable_provider_is_a_502_not_a_500(services: Services, anonymous: Reader) -> None:
    gone = oidc.add_provider(
        services,
        user=None,
        site="default",
        name="Gone",
        issuer=f"http://127.0.0.1:{free_port()}",
        client_id="c",
        client_secret="s",
        trusted=True,
    )
    answer = anonymous.http.get(
        f"/api/v1/auth/oidc/{gone['id']}/start", params={"return_to": ARTICLE}
    )
    assert answer.status_code == 502
    assert answer.json()["type"].endswith("/oidc-provider-unreachable")
    assert "could not be reached" in answer.json()["detail"]


def test_the_public_config_lists_ids_and_names_only(
    anonymous: Reader, configured: dict[str, Any]
) -> None:
    config = anonymous.http.get("/api/v1/sites/default/config")
    assert config.status_code == 200
    assert config.json() == {
        "site": "default",
        "oidc_providers": [{"id": configured["id"], "name": "Test ID"}],
    }
    assert CLIENT_SECRET not in config.text and CLIENT_ID not in config.text
    assert anonymous.http.get("/api/v1/sites/nowhere/config").status_code == 404


def test_admins_add_and_remove_providers_and_never_see_the_secret_again(
    make_reader: Any, services: Services, provider: OidcProvider
) -> None:
    admin = promote(services, make_reader("Chief"), "admin")
    reader = make_reader("Reader")
    path = "/api/v1/moderation/sites/default/oidc-providers"
    body = {
        "name": "Newsroom Keycloak",
        "issuer": provider.issuer + "/",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert reader.http.post(path, json=body).status_code == 403
    added = admin.http.post(path, json=body)
    assert added.status_code == 201, added.text
    shown = added.json()
    assert shown["client_secret"] == "…" + CLIENT_SECRET[-4:]
    assert shown["issuer"] == provider.issuer
    assert shown["callback_url"] == "http://testserver/api/v1/auth/oidc/callback"
    listed = admin.http.get(path)
    assert CLIENT_SECRET not in listed.text and listed.json()["providers"][0]["id"] == shown["id"]
    assert admin.http.post(path, json=body).status_code == 409
    page = admin.http.get("/admin/sites/default")
    assert page.status_code == 200 and 'data-form="oidc-add"' in page.text
    assert "Newsroom Keycloak" in page.text and shown["client_secret"] in page.text
    assert CLIENT_SECRET not in page.text
    assert "http://testserver/api/v1/auth/oidc/callback" in page.text
    insecure = admin.http.post(path, json={**body, "name": "Plain", "issuer": "http://id.example"})
    assert insecure.status_code == 422 and insecure.json()["errors"][0]["field"] == "issuer"
    assert admin.http.delete(f"{path}/{shown['id']}").status_code == 204
    assert admin.http.delete(f"{path}/{shown['id']}").status_code == 404
    assert admin.http.get(path).json()["providers"] == []
