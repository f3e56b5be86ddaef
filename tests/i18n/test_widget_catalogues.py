"""Every language of the comment box says everything the English box says, with every plural
form that language needs (CLDR, via Babel), and keeps the placeholders the code fills in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel import Locale

WIDGET = Path(__file__).resolve().parents[2] / "townhall" / "widget"
LANGUAGES = ["uk", "ru", "pl", "de", "fr", "es", "ar"]
RIGHT_TO_LEFT = {"ar"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TOKEN = re.compile(r"\s+|//[^\n]*|'(?:[^'\\]|\\.)*'|[A-Za-z_]\w*|[{}:,]")


def english_messages() -> dict[str, str | dict[str, str]]:
    """The MESSAGES object literal in townhall.js, read without running any JavaScript."""
    source = (WIDGET / "townhall.js").read_text(encoding="utf-8")
    start = source.index("var MESSAGES = {") + len("var MESSAGES = ")
    tokens: list[str] = []
    depth = 0
    for match in TOKEN.finditer(source, start):
        token = match.group()
        if not token.strip() or token.startswith("//"):
            continue
        if token.startswith("'"):
            inner = token[1:-1].replace("\\'", "'").replace('"', '\\"')
            token = '"' + inner + '"'
        elif token not in "{}:,":
            token = json.dumps(token)
        tokens.append(token)
        depth += token == "{"
        depth -= token == "}"
        if depth == 0:
            break
    return json.loads("".join(tokens).replace(",}", "}"))


def plural_categories(lang: str) -> set[str]:
    return set(Locale.parse(lang).plural_form.tags) | {"other"}


def problems(lang: str) -> list[str]:
    english = english_messages()
    catalogue = json.loads((WIDGET / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    found = [f"missing key {key!r}" for key in english if key not in catalogue]
    found += [f"unknown key {key!r} (not in MESSAGES)" for key in catalogue if key not in english]
    for key, source in english.items():
        text = catalogue.get(key)
        if text is None:
            continue
        if isinstance(source, dict):
            if not isinstance(text, dict):
                found.append(f"{key!r} must be a plural object keyed by CLDR category")
                continue
            needed = plural_categories(lang)
            found += [f"{key!r} misses plural form {c!r}" for c in sorted(needed - text.keys())]
            found += [
                f"{key!r} has plural form {c!r} that {lang} never uses"
                for c in sorted(text.keys() - needed)
            ]
            allowed = {p for form in source.values() for p in PLACEHOLDER.findall(form)}
            for form in text.values():
                found += [
                    f"{key!r} uses unknown {{{p}}}"
                    for p in PLACEHOLDER.findall(form)
                    if p not in allowed
                ]
        elif not isinstance(text, str) or not text.strip():
            found.append(f"{key!r} is empty or not text")
        elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
            found.append(f"{key!r} must use the placeholders of {source!r}")
    return found


def test_english_plural_messages_carry_the_english_categories() -> None:
    for key, source in english_messages().items():
        if isinstance(source, dict):
            assert set(source) == plural_categories("en"), key
        assert not re.search(r"_(one|few|many|other)$", key), (
            f"MESSAGES.{key}: write plurals as {{one: ..., other: ...}}, not _one/_other keys"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete(lang: str) -> None:
    assert problems(lang) == [], f"townhall/widget/i18n/{lang}.json"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_names_its_language_and_direction(lang: str) -> None:
    catalogue = json.loads((WIDGET / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    assert catalogue["locale"] == lang
    assert catalogue["dir"] == ("rtl" if lang in RIGHT_TO_LEFT else "ltr")
    assert (Locale.parse(lang).character_order == "right-to-left") == (lang in RIGHT_TO_LEFT)


def test_widget_knows_every_catalogue() -> None:
    source = (WIDGET / "townhall.js").read_text(encoding="utf-8")
    files = sorted(p.stem for p in (WIDGET / "i18n").glob("*.json"))
    assert files == sorted(LANGUAGES)
    listed = re.search(r"var LANGUAGES = \[([^\]]*)\]", source)
    assert listed and sorted(re.findall(r"'(\w+)'", listed.group(1))) == sorted(["en", *LANGUAGES])
