"""The server's catalogues (#9): every message the dashboard, its scripts and the mails show
is translated in every shipped language, with as many plural forms as CLDR gives the
language and the same placeholders as the English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from townhall.i18n import LANGUAGES, LOCALE_DIR, plural_count, translations

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "NP_": (1, 2)}
METHODS = [
    ("townhall/api/oidc.py", "python"),  # the page a failed provider sign-in shows
    ("townhall/dashboard/**.py", "python"),
    ("townhall/domain/notices.py", "python"),
    # problem details the link, notice and dashboard pages show translated (i18n.problem)
    ("townhall/domain/accounts.py", "python"),
    ("townhall/domain/email_links.py", "python"),
    ("townhall/domain/second_factor.py", "python"),
    ("townhall/domain/search.py", "python"),
    ("townhall/domain/site_settings.py", "python"),
    ("townhall/i18n.py", "python"),
    ("townhall/notify/**.py", "python"),
    ("townhall/web/**.py", "python"),
    ("townhall/dashboard/templates/**.html", "jinja2.ext:babel_extract"),
]
OPTIONS = {"townhall/dashboard/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def _extracted() -> dict[str | tuple[str, ...], None]:
    found: dict[str | tuple[str, ...], None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found[message] = None
    return found


def _catalogue(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "townhall.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_extraction_finds_the_dashboard_and_mail_messages() -> None:
    messages = _extracted()
    assert "Townhall moderation" in messages  # a template
    assert "Held by the pipeline" in messages  # views.py, marked with N_
    assert "Your sign-in link" in messages  # notify/templates.py
    assert any(isinstance(m, tuple) for m in messages)  # a plural


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang: str) -> None:
    catalogue = _catalogue(lang)
    missing, wrong_forms, wrong_placeholders = [], [], []
    for message_id in _extracted():
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = catalogue.get(key)
        strings = entry.string if entry is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(forms):
            missing.append(key)
            continue
        if isinstance(message_id, tuple) and len(forms) != plural_count(lang):
            wrong_forms.append(f"{key!r} has {len(forms)} forms, {lang} has {plural_count(lang)}")
        english = set(PLACEHOLDER.findall(message_id[-1] if isinstance(message_id, tuple) else key))
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != english:
                wrong_placeholders.append(f"{key!r}: {form!r}")
    assert missing == [], f"{lang} misses translations; run pybabel update (see babel.cfg)"
    assert wrong_forms == []
    assert wrong_placeholders == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalogue_plural_rule_is_babels(lang: str) -> None:
    assert _catalogue(lang).num_plurals == plural_count(lang)


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("uk", 1, "1 хвилину"),
        ("uk", 3, "3 хвилини"),
        ("uk", 11, "11 хвилин"),
        ("uk", 21, "21 хвилину"),
        ("ru", 25, "25 минут"),
        ("pl", 22, "22 minuty"),
        ("pl", 12, "12 minut"),
        ("de", 1, "1 Minute"),
        ("fr", 0, "0 minute"),
        ("ar", 5, "5 دقائق"),
        ("ar", 15, "15 دقيقة"),
    ],
)
def test_plurals_follow_cldr(lang: str, count: int, expected: str) -> None:
    singular = (
        "The link works once and expires in %(minutes)s minute. If you did not ask for it,"
        " ignore this mail."
    )
    plural = singular.replace("minute.", "minutes.")
    text = translations(lang).ngettext(singular, plural, count) % {"minutes": count}
    assert expected in text


def test_no_marked_string_hides_inside_an_f_string() -> None:
    """Babel's extractor does not read calls inside f-strings (Python 3.11 keeps an f-string
    one token), so ``f"<p>{_('Text')}</p>"`` would never reach the catalogues."""
    hidden = []
    for pattern, method in METHODS:
        if method != "python":
            continue
        for path in sorted(ROOT.glob(pattern.replace("**.py", "**/*.py"))):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.JoinedStr):
                    continue
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id in KEYWORDS
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                    ):
                        hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert hidden == [], "move these calls out of their f-strings"
