"""Normalising text before matching word lists: Unicode forms, homoglyphs, l33t, spacing.

Readers who want a banned word past a filter write "1d10t", "i d i o t", "іdiot" (with a
Cyrillic і) or put zero-width characters inside it. All of these fold to "idiot" here.
Ukrainian and Russian words keep their Cyrillic letters: a token is folded toward the
script most of its letters are written in.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Cyrillic letters that look like Latin ones, and back.
CYR_TO_LAT = str.maketrans("авеіјкмнорстухѕԁаё", "abeijkmhopctyxsdae")
LAT_TO_CYR = str.maketrans("aeiopcyxkmhtb", "аеіорсухкмнтв")
LEET = str.maketrans("0134579@$!|+", "oieastgasiit")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z]")
# Single letters separated by spaces, dots, dashes or stars: "i d i o t", "f.o.o".
SPACED = re.compile(r"(?<!\w)\w([ .\-_*])\w(?:\1\w)+(?!\w)")
REPEATS = re.compile(r"(\w)\1{2,}")
DOUBLES = re.compile(r"(\w)\1")
WORD = re.compile(r"\w+")
LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|ru|io|info|biz)\b")
MENTION = re.compile(r"(?<!\w)@\w+")


def _fold_token(token: str) -> str:
    if token.isascii() and token.isalpha():
        return token  # most words: nothing to fold, and no regex to run (#7)
    token = token.rstrip("!|+")
    cyr = len(CYRILLIC.findall(token))
    lat = len(LATIN.findall(token))
    if cyr and lat:
        token = token.translate(CYR_TO_LAT if lat >= cyr else LAT_TO_CYR)
    if any(c.isalpha() for c in token) and not token.isdigit():
        token = token.translate(LEET) if cyr == 0 else token
    return token


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, obfuscations undone."""
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).casefold()
    text = SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)
    tokens = [_fold_token(t) for t in re.split(r"[^\w@$!|+]+", text) if t]
    words = " ".join(tokens)
    words = re.sub(r"[^\w ]+", "", words)
    return REPEATS.sub(r"\1\1", words)


class WordList:
    """Words and phrases matched on word boundaries; ``stem*`` matches any ending."""

    def __init__(self, entries: list[str]) -> None:
        self.words: set[str] = set()
        self.stems: list[str] = []
        self.phrases: list[str] = []
        for raw in entries:
            entry = normalise(raw.rstrip("*")) if raw.strip() else ""
            if not entry:
                continue
            if raw.strip().endswith("*"):
                self.stems.append(entry)
            elif " " in entry:
                self.phrases.append(entry)
            else:
                self.words.add(entry)
        # One alternation for every stem, longest first: a token is checked against all of
        # them in one regex call instead of a loop (10% of a post's time before, #7).
        ordered = sorted(set(self.stems), key=len, reverse=True)
        self._stem = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def parse(cls, text: str) -> WordList:
        return cls([item.strip() for item in re.split(r"[,\n]", text) if item.strip()])

    def find(self, normalised: str) -> str | None:
        words, stem = self.words, self._stem
        for token in normalised.split():
            if words and (token in words or DOUBLES.sub(r"\1", token) in words):
                return token
            if stem is not None and stem.match(token):
                return token
        padded = f" {normalised} "
        for phrase in self.phrases:
            if f" {phrase} " in padded:
                return phrase
        return None

    def __bool__(self) -> bool:
        return bool(self.words or self.stems or self.phrases)


def count_links(text: str) -> int:
    return len(LINK.findall(text))


def count_mentions(text: str) -> int:
    return len(MENTION.findall(text))


def shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 24:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) > 0.7
