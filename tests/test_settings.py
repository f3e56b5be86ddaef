"""The settings table is the single source of truth and the README shows all of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.settings import SETTINGS, Settings, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_has_the_generated_configuration_table() -> None:
    assert markdown_table() in README.read_text(encoding="utf-8"), (
        "README's configuration table is stale: paste `python -m townhall.settings` output"
    )


def test_every_setting_has_help_and_a_working_default() -> None:
    settings = Settings.load(env={})
    for setting in SETTINGS:
        assert setting.help.endswith(".")
        assert isinstance(getattr(settings, setting.name), setting.type)


def test_toml_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "townhall.toml"
    config.write_text('port = 9000\nsite_origins = "https://a.example"\n', encoding="utf-8")
    settings = Settings.load(config, env={"TOWNHALL_PORT": "9100"})
    assert settings.port == 9100
    assert settings.origins == ["https://a.example"]


def test_bad_values_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TOWNHALL_DEMO must be true or false"):
        Settings.load(env={"TOWNHALL_DEMO": "maybe"})
    config = tmp_path / "bad.toml"
    config.write_text("colour = 'red'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Unknown setting 'colour'"):
        Settings.load(config, env={})
