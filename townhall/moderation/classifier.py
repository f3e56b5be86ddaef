"""Toxicity and language, computed on this machine with models shipped inside packages.

``ProfanityCheckModel`` reads the weights of alt-profanity-check 1.9.1 (MIT, a TF-IDF +
calibrated linear SVM trained on English tweets and Wikipedia comments) once per process
and scores with a few numpy operations: the package's own ``predict_prob`` costs ~3 ms a
call in scikit-learn overhead; this gives the same numbers in a few hundredths of that.
Nothing is downloaded: the files come with the installed package.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
UKRAINIAN_ONLY = re.compile(r"[іїєґ]")
RUSSIAN_ONLY = re.compile(r"[ыэъё]")


class Classifier(Protocol):
    """Anything that gives an English text a probability of being abusive."""

    def score(self, text: str) -> float: ...


class ProfanityCheckModel:
    def __init__(self) -> None:
        import joblib  # scikit-learn's own loader; only used once, here
        import profanity_check

        data = Path(profanity_check.__file__).parent / "data"
        vectorizer: Any = joblib.load(data / "vectorizer.joblib")
        model: Any = joblib.load(data / "model.joblib")
        self.vocabulary: dict[str, int] = {k: int(v) for k, v in vectorizer.vocabulary_.items()}
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        folds = model.calibrated_classifiers_
        self.weights = np.stack([np.ravel(f.estimator.coef_) for f in folds])
        self.intercepts = np.array([float(np.ravel(f.estimator.intercept_)[0]) for f in folds])
        self.slopes = np.array([float(f.calibrators[0].a_) for f in folds])
        self.offsets = np.array([float(f.calibrators[0].b_) for f in folds])

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


_model: ProfanityCheckModel | None = None
_lock = threading.Lock()


def shipped_model() -> ProfanityCheckModel:
    """The model, loaded on first use (about a second) and shared by the process."""
    global _model
    with _lock:
        if _model is None:
            _model = ProfanityCheckModel()
        return _model


class LanguageGuesser:
    """Cyrillic script decides uk/ru by their own letters; langid (model inside the package)
    decides the rest among the languages newsrooms here mostly see."""

    LANGUAGES = ("en", "uk", "ru", "de", "fr", "es", "it", "pl", "nl", "pt")

    def __init__(self) -> None:
        from langid.langid import LanguageIdentifier, model

        self.identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
        self.identifier.set_languages(list(self.LANGUAGES))

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
