"""A publisher signs its subscribers in with a JWT from its own login (Coral's claims)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import Reader
from tests.identity.conftest import StepClock
from townhall.domain import sites, sso
from townhall.domain.services import Services
from townhall.notify.mail import OutboxMailer

SECRET = "s3cret-" + "x" * 40


def _token(key: Any = SECRET, alg: str = "HS256", iat: float | None = None, **extra: Any) -> str:
    user = {"id": "sub-42", "email": "olena@paper.example", "username": "Olena K."}
    user.update(extra.pop("user", {}))
    claims = {"iat": int(iat if iat is not None else time.time()), "user": user, **extra}
    return jwt.encode(claims, key, algorithm=alg)


@pytest.fixture
def site(services: Services, app: Any) -> dict[str, Any]:
    default = sites.get_site(services, "default")
    sso.add_key(services, default, key=SECRET)
    return default


def _sso(reader: Reader, token: str) -> Any:
    return reader.http.post("/api/v1/auth/sso", json={"site": "default", "token": token})


def test_a_subscriber_arrives_with_a_token_and_is_signed_in(
    anonymous: Reader, site: dict[str, Any]
) -> None:
    response = _sso(anonymous, _token(user={"badges": ["subscriber"], "role": "ADMIN"}))
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert user["email"] == "olena@paper.example"
    assert user["name"] == "Olena K."
    assert user["role"] == "reader"  # roles from tokens only with sso_roles=true
    assert anonymous.http.get("/api/v1/auth/me").json()["user"]["id"] == user["id"]
    assert anonymous.post("First!")["author"]["name"] == "Olena K."

    # SSO accounts have no password to sign in with.
    attempt = {"email": "olena@paper.example", "password": "anything1"}
    assert anonymous.http.post("/api/v1/auth/signin", json=attempt).status_code == 401


def test_newer_tokens_resync_the_profile_and_older_ones_do_not(
    anonymous: Reader, site: dict[str, Any]
) -> None:
    now = time.time()
    first = _sso(anonymous, _token(iat=now - 20)).json()["user"]
    renamed = _sso(anonymous, _token(iat=now - 10, user={"username": "Olena Kovalenko"}))
    assert renamed.json()["user"] == {**first, "name": "Olena Kovalenko"}
    stale = _sso(anonymous, _token(iat=now - 15, user={"username": "Old Name"}))
    assert stale.status_code == 200
    assert stale.json()["user"]["name"] == "Olena Kovalenko"


def test_rs256_and_es256_with_public_keys(anonymous: Reader, services: Services, app: Any) -> None:
    default = sites.get_site(services, "default")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for private, alg in [(rsa_key, "RS256"), (ec_key, "ES256")]:
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        sso.add_key(services, default, algorithm=alg, key=public.decode(), overlap_seconds=3600)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        assert _sso(anonymous, _token(pem, alg)).status_code == 200


def test_forged_expired_and_misaddressed_tokens_are_refused(
    anonymous: Reader, site: dict[str, Any]
) -> None:
    now = time.time()
    unsigned = jwt.encode(
        {"iat": int(now), "user": {"id": "1", "email": "a@b.org", "username": "A"}},
        None,
        algorithm="none",
    )
    cases = {
        "wrong key": (_token("another-secret-" + "y" * 40), "signature does not match"),
        "alg none": (unsigned, "signed with 'none'"),
        "expired": (_token(exp=int(now) - 120), "expired"),
        "too old": (_token(iat=now - 3600), "seconds old"),
        "future": (_token(iat=now + 3600), "in the future"),
        "audience": (_token(aud="another-site"), "meant for"),
        "no user": (jwt.encode({"iat": int(now)}, SECRET, algorithm="HS256"), "needs a `user`"),
        "garbage": ("not.a.jwt", "not a JWT"),
    }
    for name, (token, words) in cases.items():
        response = _sso(anonymous, token)
        assert response.status_code == 401, name
        assert response.json()["type"].endswith("/sso-token-refused"), name
        assert words in response.json()["detail"], (name, response.json()["detail"])
    assert _sso(anonymous, _token(aud="default")).status_code == 200


def test_rotated_secret_overlaps_then_stops(
    anonymous: Reader, services: Services, site: dict[str, Any]
) -> None:
    clock = StepClock(services.clock.now_ms())
    services.clock = clock
    new_secret = sso.add_key(services, site, overlap_seconds=600)
    assert new_secret != SECRET
    iat = clock.now_ms() / 1000
    assert _sso(anonymous, _token(SECRET, iat=iat, exp=int(iat) + 3600)).status_code == 200
    assert _sso(anonymous, _token(new_secret, iat=iat)).status_code == 200
    clock.advance(601)
    iat = clock.now_ms() / 1000
    old = _sso(anonymous, _token(SECRET, iat=iat, exp=int(iat) + 3600))
    assert old.status_code == 401
    assert _sso(anonymous, _token(new_secret, iat=iat, exp=int(iat) + 60)).status_code == 200


def test_an_address_with_a_password_account_is_not_taken_over(
    anonymous: Reader, make_reader: Any, site: dict[str, Any]
) -> None:
    make_reader("Olena", email="olena@paper.example")
    response = _sso(anonymous, _token())
    assert response.status_code == 409
    assert "already has an account" in response.json()["detail"]


def test_reset_and_magic_links_are_not_sent_to_sso_accounts(
    anonymous: Reader, services: Services, site: dict[str, Any]
) -> None:
    outbox = OutboxMailer()
    services.mailer = outbox
    _sso(anonymous, _token())
    for path in ("/api/v1/auth/password-reset", "/api/v1/auth/magic-link"):
        response = anonymous.http.post(path, json={"email": "olena@paper.example"})
        assert response.status_code == 202
    assert outbox.sent == []
