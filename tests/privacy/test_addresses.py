"""IP addresses are kept only as keyed hashes, and only for ip_retention_days (#5).
Rate limits and the brigading checks still recognise a returning address or network."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, Reader
from tests.identity.conftest import StepClock
from townhall.cli.main import main as cli
from townhall.domain.services import Services
from townhall.settings import Settings
from townhall.store.migrate import alembic_config, upgrade
from townhall.store.schema import comment_checks, comments, server_secrets

DAY_S = 86_400


def _reader_from(app: Any, address: str) -> Reader:
    reader = Reader(app)
    reader.http = TestClient(app, headers={"Origin": ORIGIN}, client=(address, 40000))
    return reader.signup()


def _stored(services: Services, comment_id: int) -> tuple[str | None, str | None]:
    with services.db.read() as conn:
        row = conn.execute(
            select(comments.c.remote_addr, comment_checks.c.network)
            .select_from(comments.outerjoin(comment_checks))
            .where(comments.c.id == comment_id)
        ).one()
    return row[0], row[1]


def _key(services: Services) -> bytes:
    with services.db.read() as conn:
        value = conn.execute(select(server_secrets.c.value)).scalar_one()
    return str(value).encode()


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def test_a_comment_keeps_only_keyed_hashes_of_the_address_and_network(
    app: Any, services: Services
) -> None:
    first = _reader_from(app, "203.0.113.7").post("A first comment from one office network.")
    second = _reader_from(app, "203.0.113.99").post("A second comment from the same office.")
    other = _reader_from(app, "198.51.100.4").post("A third comment from somewhere else.")

    addr1, net1 = _stored(services, first["id"])
    addr2, net2 = _stored(services, second["id"])
    addr3, net3 = _stored(services, other["id"])
    key = _key(services)
    assert addr1 == _hmac(key, "203.0.113.7")
    assert net1 == _hmac(key, "203.0.113.0/24")
    assert "203.0.113" not in f"{addr1}{net1}{addr2}{net2}"
    # The checks can still tell a shared network from a different one.
    assert net1 == net2 != net3
    assert addr1 != addr2
    assert addr3 == _hmac(key, "198.51.100.4")


def test_the_configured_secret_is_the_key(settings: Settings) -> None:
    from townhall.app import create_app

    configured = settings.replace(ip_hash_secret="a long random secret from the admin")
    services = Services.build(configured)
    try:
        app = create_app(configured, services)
        posted = _reader_from(app, "192.0.2.1").post("Hashed with the configured key.")
        assert _stored(services, posted["id"])[0] == _hmac(
            b"a long random secret from the admin", "192.0.2.1"
        )
    finally:
        services.close()


def test_the_per_address_rate_limit_still_counts_by_address(
    settings: Settings,
) -> None:
    from townhall.app import create_app

    limited = settings.replace(rate_limits_enabled=True, rate_limit_post_ip="2/minute")
    services = Services.build(limited)
    try:
        app = create_app(limited, services)
        one = _reader_from(app, "203.0.113.50")
        two = _reader_from(app, "203.0.113.50")
        elsewhere = _reader_from(app, "198.51.100.50")
        one.post("First comment from this address.")
        two.post("Second comment from this address.")
        third = two.http.post(
            "/api/v1/comments", json={"thread": "article-1", "body": "Third one, too many."}
        )
        assert third.status_code == 429, third.text
        assert third.headers["content-type"] == "application/problem+json"
        elsewhere.post("Another address is not held back.")
    finally:
        if services.redis is not None:
            for key in services.redis.scan_iter(match=f"{limited.redis_prefix}:*"):
                services.redis.delete(key)
        services.close()


def _post_at(app: Any, services: Services, clock: StepClock, days_ago: float, body: str) -> int:
    saved = clock.now
    clock.now = saved - int(days_ago * DAY_S * 1000)
    try:
        return int(_reader_from(app, "203.0.113.8").post(body)["id"])
    finally:
        clock.now = saved


@pytest.fixture
def clock(services: Services) -> StepClock:
    clock = StepClock(services.clock.now_ms())
    services.clock = clock
    return clock


def test_purge_ips_clears_old_hashes_and_keeps_recent_ones(
    app: Any, services: Services, settings: Settings, clock: StepClock, tmp_path: Path
) -> None:
    old = _post_at(app, services, clock, 40, "Posted forty days ago, long past retention.")
    edge = _post_at(app, services, clock, 29, "Posted twenty-nine days ago, still kept.")
    new = _post_at(app, services, clock, 0, "Posted today, of course kept.")

    config = tmp_path / "townhall.toml"
    config.write_text(
        f'database_url = "{settings.resolved_database_url}"\n'
        f'data_dir = "{tmp_path}"\nip_retention_days = 30\n',
        encoding="utf-8",
    )
    assert cli(["--config", str(config), "purge-ips"]) == 0

    assert _stored(services, old) == (None, None)
    for kept in (edge, new):
        addr, net = _stored(services, kept)
        assert addr is not None and net is not None
    # The comment itself stays.
    assert any(c["id"] == old for c in Reader(app).thread()["comments"])


def test_the_scheduled_job_purges_at_start_up(
    app: Any, services: Services, clock: StepClock
) -> None:
    old = _post_at(app, services, clock, 31, "Posted a month ago, past the default retention.")
    new = _post_at(app, services, clock, 1, "Posted yesterday, within retention.")
    with TestClient(app):  # runs the lifespan: the purge job's first run is at start-up
        pass
    assert _stored(services, old) == (None, None)
    assert _stored(services, new)[0] is not None


def test_the_migration_hashes_addresses_already_stored(empty_database_url: str) -> None:
    upgrade(empty_database_url, "0007")
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, slug, name, origins, created_at)"
                " VALUES (1, 's', 'S', '', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO threads (id, site_id, key, is_open, comment_count, created_at)"
                " VALUES (1, 1, 't', true, 1, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO comments (id, thread_id, depth, body, html, status, created_at,"
                " reaction_count, reply_count, remote_addr)"
                " VALUES (1, 1, 0, 'b', 'b', 'visible', 0, 0, 0, '203.0.113.5'),"
                " (2, 1, 0, 'c', 'c', 'visible', 0, 0, 0, NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO comment_checks (comment_id, site_id, thread_id, reasons,"
                " account_new, network, created_at) VALUES (1, 1, 1, '[]', false,"
                " '203.0.113.0/24', 0)"
            )
        )
    upgrade(empty_database_url)
    with engine.connect() as conn:
        key = str(conn.execute(select(server_secrets.c.value)).scalar_one()).encode()
        stored = conn.execute(select(comments.c.id, comments.c.remote_addr)).all()
        network = conn.execute(select(comment_checks.c.network)).scalar_one()
    engine.dispose()
    assert dict(stored) == {1: _hmac(key, "203.0.113.5"), 2: None}
    assert network == _hmac(key, "203.0.113.0/24")
    assert len(key) == 64
    assert alembic_config(empty_database_url)  # the same configuration the app upgrades with
