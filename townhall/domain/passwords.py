"""Password hashes: argon2id (argon2-cffi).

The cost is the library's recommendation (3 passes over 64 MiB) unless the operator sets
``password_hash_time_cost`` and ``password_hash_memory_kib``: a small server can lower the
memory each concurrent sign-up holds, a larger one raise both. A hash records its own
parameters, so hashes made under earlier settings keep verifying.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PARALLELISM = 4
_hasher = PasswordHasher()
# Verified against when an email is unknown, so sign-in costs the same either way.
_dummy_hash = _hasher.hash("townhall-timing-equaliser")


def configure(time_cost: int, memory_kib: int) -> None:
    """The cost of new hashes (and of the unknown-email dummy, so timing stays equal)."""
    global _hasher, _dummy_hash
    if time_cost < 1 or memory_kib < 8 * PARALLELISM:
        raise ValueError(
            f"password_hash_time_cost must be at least 1 and password_hash_memory_kib at least"
            f" {8 * PARALLELISM}; got {time_cost} and {memory_kib}."
        )
    if (time_cost, memory_kib) == (_hasher.time_cost, _hasher.memory_cost):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM)
    _dummy_hash = _hasher.hash("townhall-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
