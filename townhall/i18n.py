"""Server-side translations (#9): the dashboard and the mails, in gettext catalogues.

Each language's ``locale/<lang>/LC_MESSAGES/townhall.po`` is read with Babel when first
asked for and kept for the process, so there are no compiled .mo files and no build step.
Plural forms follow the catalogue's Plural-Forms, which Babel writes from CLDR.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TypeVar

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from townhall.errors import TownhallError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "townhall"
LANGUAGES = ("en", "uk", "ru", "pl", "de", "fr", "es", "ar")
RTL = frozenset({"ar"})


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Marks a string for extraction where it is defined; it is translated where shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_, for plurals
    """Marks a singular and plural pair for extraction; ngettext picks the form later."""
    return singular, plural


@cache
def translations(lang: str) -> NullTranslations:
    """The catalogue for ``lang``; English (the msgids themselves) for anything else."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or lang not in LANGUAGES or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    # Babel's Translations reads the gettext binary format; write it in memory.
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def shipped(tag: str | None) -> str | None:
    """The shipped language a tag names ("uk", "de-AT"), or None."""
    base = (tag or "").split("-")[0].lower()
    return base if base in LANGUAGES else None


def choose(wanted: str | None, accept_language: str | None, default: str) -> str:
    """An explicit choice (``?lang=``) first, then the Accept-Language header, then the
    ``language`` setting; each only if it is one of the shipped languages."""
    if shipped(wanted):
        return str(shipped(wanted))
    preferred = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferred.append((quality, tag.strip().replace("-", "_")))
    preferred.sort(key=lambda item: -item[0])  # stable: equal weights keep their order
    found = negotiate_locale([tag for _, tag in preferred], LANGUAGES, sep="_")
    if found:
        return found.split("_")[0]
    base = (default or "en").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def plural_count(lang: str) -> int:
    """How many plural forms CLDR (through Babel) gives ``lang``."""
    return get_plural(lang).num_plurals


E = TypeVar("E", bound=TownhallError)


def problem(
    kind: type[E], *sentences: str, errors: list[dict[str, str]] | None = None, **values: object
) -> E:
    """A ``kind`` error whose detail a page can show in the reader's language (#9): each
    sentence is an English message, marked with N_ where it is written, filled from
    ``values``. The JSON API keeps answering the English detail."""
    error = kind(" ".join(sentence % values for sentence in sentences), errors=errors)
    error.sentences = (sentences, values)
    return error


def translated_detail(
    error: TownhallError, catalogue: NullTranslations, fallback: str | None = None
) -> str:
    """The error's detail in the catalogue's language. A detail written without
    ``problem`` exists in English only: a page that has a general sentence in its own words
    (``fallback``) shows that outside English rather than mix two languages."""
    if error.sentences is not None:
        sentences, values = error.sentences
        return " ".join(catalogue.gettext(sentence) % values for sentence in sentences)
    if fallback is not None and type(catalogue) is not NullTranslations:
        return catalogue.gettext(fallback)
    return error.detail


# Problem titles the dashboard and the link pages show above a detail (townhall/errors.py).
PROBLEM_TITLES = (
    N_("Bad request"),
    N_("Invalid input"),
    N_("Not signed in"),
    N_("Wrong email or password"),
    N_("Not allowed"),
    N_("Not found"),
    N_("Conflict"),
    N_("Too many requests"),
    N_("Link not valid"),
    N_("Link expired"),
    N_("Link already used"),
    N_("Authenticator code required"),
    N_("Authenticator code wrong"),
    N_("Two-factor setup required"),
)
