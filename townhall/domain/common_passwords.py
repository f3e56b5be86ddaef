"""Refuse passwords everyone tries first (issue #8).

The list ships with the package (common_passwords.txt beside this module). A password is
also refused when it is one character repeated, or the account's own email or name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str, *personal: str) -> bool:
    folded = password.strip().casefold()
    if folded in common_passwords() or len(set(folded)) <= 2:
        return True
    return any(folded == item.strip().casefold() for item in personal if item)
