"""Password hashes (#2, #8): argon2id at the library's recommended cost by default, a cost the
operator can set, and hashes made under another cost still verifying."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import extract_parameters

from tests.conftest import FAST_PASSWORD_HASHES, Reader
from townhall.domain import passwords
from townhall.domain.services import Services
from townhall.settings import Settings


@pytest.fixture
def restore_cost() -> object:
    yield
    passwords.configure(
        FAST_PASSWORD_HASHES["password_hash_time_cost"],
        FAST_PASSWORD_HASHES["password_hash_memory_kib"],
    )


def _services(tmp_path: Path, **values: object) -> Services:
    settings = Settings.load(
        env={}, data_dir=str(tmp_path), database_url=f"sqlite:///{tmp_path / 't.db'}", **values
    )
    return Services.build(settings)


def test_the_default_is_argon2id_with_three_passes_over_64_mib(
    tmp_path: Path, restore_cost: object
) -> None:
    _services(tmp_path).close()
    stored = passwords.hash_password("correct horse")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)


def test_an_operator_sets_the_cost_and_older_hashes_still_verify(
    tmp_path: Path, restore_cost: object
) -> None:
    _services(tmp_path).close()
    older = passwords.hash_password("correct horse")
    _services(tmp_path, password_hash_time_cost=2, password_hash_memory_kib=19456).close()
    newer = passwords.hash_password("correct horse")
    assert (extract_parameters(newer).time_cost, extract_parameters(newer).memory_cost) == (
        2,
        19456,
    )
    assert passwords.verify_password(older, "correct horse")
    assert passwords.verify_password(newer, "correct horse")
    assert not passwords.verify_password(older, "wrong horse")


def test_a_cost_argon2_cannot_use_is_refused_at_start(tmp_path: Path, restore_cost: object) -> None:
    with pytest.raises(ValueError, match="password_hash_memory_kib at least 32"):
        _services(tmp_path, password_hash_memory_kib=16)


def test_a_reader_signs_up_and_in_through_the_api(anonymous: Reader) -> None:
    anonymous.signup("Olena", "olena@example.org")
    again = Reader(anonymous.http.app)
    answer = again.http.post(
        "/api/v1/auth/signin", json={"email": "olena@example.org", "password": "correct horse"}
    )
    assert answer.status_code == 200, answer.text
