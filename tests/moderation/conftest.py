"""Moderation stories: a moderator account made through the store, and apps with settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import Reader
from townhall.app import create_app
from townhall.domain.services import Services
from townhall.settings import Settings
from townhall.store import users as user_store


def promote(services: Services, reader: Reader, role: str = "moderator") -> Reader:
    assert reader.user is not None
    with services.db.write() as conn:
        user_store.set_role(conn, reader.user["id"], role)
    return reader


@pytest.fixture
def moderator(make_reader: Any, services: Services) -> Reader:
    return promote(services, make_reader("Mod"))


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., tuple[Any, Services]]]:
    """`app_with(**settings)` -> (app, services) for stories that need other settings."""
    built: list[Services] = []

    def make(**overrides: Any) -> tuple[Any, Services]:
        svc = Services.build(settings.replace(**overrides))
        built.append(svc)
        return create_app(svc.settings, svc), svc

    yield make
    for svc in built:
        svc.db.dispose()
