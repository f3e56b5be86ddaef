"""Toxicity and language, computed on this machine with models shipped with Townhall.

Both models come from PyPI packages, exported to plain numpy arrays in ``data/`` by
``scripts/export_models.py``, so a worker loads them with numpy alone (#7): importing the
packages themselves put scikit-learn, SciPy and langid's unpacked model (~140 MB) in every
worker. tests/moderation/test_classifier.py checks that the arrays give the packages' own
answers. Nothing is downloaded.

- ``ProfanityCheckModel``: alt-profanity-check 1.9.1 (MIT), a TF-IDF + calibrated linear
  SVM trained on English tweets and Wikipedia comments. The package's ``predict_prob``
  costs ~3 ms a call in scikit-learn overhead; this is a sparse dot product.
- ``LanguageModel``: langid.py 1.1.6 (BSD), naive Bayes over byte n-grams found by a
  finite automaton, trimmed to the languages ``LanguageGuesser`` tells apart.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import Counter
from pathlib import Path
from typing import Protocol

import numpy as np

DATA = Path(__file__).parent / "data"
TOKEN = re.compile(r"(?u)\b\w\w+\b")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
UKRAINIAN_ONLY = re.compile(r"[іїєґ]")
RUSSIAN_ONLY = re.compile(r"[ыэъё]")


class Classifier(Protocol):
    """Anything that gives an English text a probability of being abusive."""

    def score(self, text: str) -> float: ...


class ProfanityCheckModel:
    def __init__(self, path: Path = DATA / "profanity_check.npz") -> None:
        with np.load(path, allow_pickle=False) as data:
            terms = data["vocabulary"].tolist()
            self.vocabulary: dict[str, int] = {str(t): i for i, t in enumerate(terms)}
            self.idf = data["idf"]
            self.weights = data["weights"]
            self.intercepts = data["intercepts"]
            self.slopes = data["slopes"]
            self.offsets = data["offsets"]

    def score(self, text: str) -> float:
        found = (self.vocabulary.get(t) for t in TOKEN.findall(text.lower()))
        counts = Counter(i for i in found if i is not None)
        # No known word: an all-zero vector, whose score is the intercepts' (about 0.04),
        # as the package's own predict_prob gives it.
        decision = self.intercepts
        if counts:
            index = np.fromiter(counts.keys(), dtype=np.int64)
            values = np.fromiter(counts.values(), dtype=np.float64) * self.idf[index]
            values /= np.sqrt(np.dot(values, values))
            decision = self.weights[:, index] @ values + self.intercepts
        probability = 1.0 / (1.0 + np.exp(self.slopes * decision + self.offsets))
        return float(probability.mean())


class LanguageModel:
    """langid.py's ``classify`` with ``norm_probs``, on the exported arrays: the same
    automaton, counts and arithmetic (dtypes included), so the same answers."""

    def __init__(self, path: Path = DATA / "langid.npz") -> None:
        with np.load(path, allow_pickle=False) as data:
            # array.array: indexing it one byte at a time is several times faster than numpy.
            self.nextmove = array("H", data["nextmove"].tobytes())
            states = data["output_states"].tolist()
            offsets = data["output_offsets"].tolist()
            features = data["output_features"].tolist()
            self.output = {
                state: features[offsets[n] : offsets[n + 1]] for n, state in enumerate(states)
            }
            self.ptc = data["ptc"]
            self.pc = data["pc"]
            self.classes = [str(c) for c in data["classes"].tolist()]

    def classify(self, text: str) -> tuple[str, float]:
        state = 0
        visited: list[int] = []
        visit = visited.append
        nextmove = self.nextmove
        for byte in text.encode("utf8"):
            state = nextmove[(state << 8) + byte]
            visit(state)
        # Counted once at the end (in C) rather than one Counter update per byte (#7).
        counts = np.zeros(self.ptc.shape[0], dtype=np.uint32)
        output = self.output
        for state, times in Counter(visited).items():
            for feature in output.get(state, ()):
                counts[feature] += times
        log_prob = np.dot(counts, self.ptc) + self.pc
        with np.errstate(over="ignore"):
            probs = 1 / np.exp(log_prob[None, :] - log_prob[:, None]).sum(1)
        best = int(np.argmax(probs))
        return self.classes[best], float(probs[best])


_model: ProfanityCheckModel | None = None
_lock = threading.Lock()


def shipped_model() -> ProfanityCheckModel:
    """The model, loaded on first use (some 30 ms) and shared by the process."""
    global _model
    with _lock:
        if _model is None:
            _model = ProfanityCheckModel()
        return _model


class LanguageGuesser:
    """Cyrillic script decides uk/ru by their own letters; langid's model (exported, see
    above) decides the rest among the languages newsrooms here mostly see."""

    LANGUAGES = ("en", "uk", "ru", "de", "fr", "es", "it", "pl", "nl", "pt")

    def __init__(self, identifier: LanguageModel | None = None) -> None:
        self.identifier = identifier or LanguageModel()

    def guess(self, text: str) -> str:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return "und"
        cyrillic = len(CYRILLIC.findall(text))
        if cyrillic / len(letters) > 0.3:
            lowered = text.lower()
            if UKRAINIAN_ONLY.search(lowered):
                return "uk"
            if RUSSIAN_ONLY.search(lowered):
                return "ru"
            language, _ = self.identifier.classify(text)
            return "uk" if language == "uk" else "ru"
        if all(ord(c) < 128 for c in letters) and len(text.split()) < 4:
            return "en"
        language, confidence = self.identifier.classify(text)
        return str(language) if confidence > 0.6 else "en"


_guesser: LanguageGuesser | None = None


def language_guesser() -> LanguageGuesser:
    global _guesser
    with _lock:
        if _guesser is None:
            _guesser = LanguageGuesser()
        return _guesser
