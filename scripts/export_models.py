"""Write the moderation models the server uses as plain numpy arrays (#7).

- Toxicity: the TF-IDF vocabulary and the calibrated linear SVM of alt-profanity-check
  1.9.1 (MIT). Loading them through the package imports scikit-learn and SciPy, about
  95 MB in every worker, for a model whose scoring is a sparse dot product.
- Language: langid.py's naive Bayes model (BSD), trimmed to the languages Townhall tells
  apart. Unpacking the package's model costs ~45 MB per worker; the trimmed arrays ~6 MB.

Both are read from the PyPI packages (the ``dev`` extra installs them) and written to
``townhall/moderation/data/``, which the server loads with numpy alone.
tests/moderation/test_classifier.py checks that the arrays give the packages' own answers.

    scripts/bootstrap dev
    .venv/bin/python scripts/export_models.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE_VERSION = "1.9.1"
DATA = Path(__file__).resolve().parent.parent / "townhall/moderation/data"
OUT = DATA / "profanity_check.npz"
LANGUAGE_OUT = DATA / "langid.npz"
# The same list as townhall.moderation.classifier.LanguageGuesser.LANGUAGES.
LANGUAGES = ("en", "uk", "ru", "de", "fr", "es", "it", "pl", "nl", "pt")
# What townhall/moderation/classifier.py assumes about the vectorizer; anything else in a
# future release would silently score differently, so the export refuses it.
EXPECTED = {
    "lowercase": True,
    "token_pattern": r"(?u)\b\w\w+\b",
    "ngram_range": (1, 1),
    "analyzer": "word",
    "strip_accents": None,
    # Stop words never made it into the vocabulary; with single words, dropping them
    # before counting is the same as not finding them in it.
    "stop_words": "english",
    "norm": "l2",
    "use_idf": True,
    "sublinear_tf": False,
    "binary": False,
    "tokenizer": None,
    "preprocessor": None,
}


def export_language_model() -> None:
    from langid.langid import LanguageIdentifier, model

    identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))  # keeps the package's order of classes
    nextmove = np.frombuffer(identifier.tk_nextmove, dtype=f"u{identifier.tk_nextmove.itemsize}")
    assert int(nextmove.max()) < 2**16  # noqa: S101
    states = sorted(identifier.tk_output)
    features = [list(identifier.tk_output[state]) for state in states]
    np.savez_compressed(
        LANGUAGE_OUT,
        nextmove=nextmove.astype(np.uint16),
        output_states=np.array(states, dtype=np.int32),
        output_offsets=np.cumsum([0] + [len(f) for f in features]).astype(np.int32),
        output_features=np.array([i for f in features for i in f], dtype=np.int32),
        ptc=np.asarray(identifier.nb_ptc),
        pc=np.asarray(identifier.nb_pc),
        classes=np.array([str(c) for c in identifier.nb_classes]),
    )
    size = LANGUAGE_OUT.stat().st_size
    print(f"wrote {LANGUAGE_OUT} ({size:,} bytes, {len(identifier.nb_classes)} languages)")


def main() -> int:
    from importlib.metadata import version

    import joblib
    import profanity_check

    if version("alt-profanity-check") != PACKAGE_VERSION:
        print(f"expected alt-profanity-check {PACKAGE_VERSION}", file=sys.stderr)
        return 1
    data = Path(profanity_check.__file__).parent / "data"
    vectorizer: Any = joblib.load(data / "vectorizer.joblib")
    model: Any = joblib.load(data / "model.joblib")
    params = vectorizer.get_params()
    wrong = {k: params.get(k) for k, v in EXPECTED.items() if params.get(k) != v}
    if wrong:
        print(f"the vectorizer differs from what the scorer assumes: {wrong}", file=sys.stderr)
        return 1
    terms = sorted(vectorizer.vocabulary_.items(), key=lambda item: int(item[1]))
    assert [int(i) for _, i in terms] == list(range(len(terms)))  # noqa: S101
    folds = model.calibrated_classifiers_
    if any(len(f.calibrators) != 1 or f.method != "sigmoid" for f in folds):
        print("expected one sigmoid calibrator per fold", file=sys.stderr)
        return 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        vocabulary=np.array([term for term, _ in terms]),
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        weights=np.stack([np.ravel(f.estimator.coef_) for f in folds]).astype(np.float64),
        intercepts=np.array([float(np.ravel(f.estimator.intercept_)[0]) for f in folds]),
        slopes=np.array([float(f.calibrators[0].a_) for f in folds]),
        offsets=np.array([float(f.calibrators[0].b_) for f in folds]),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(terms):,} terms, {len(folds)} folds)")
    export_language_model()
    return 0


if __name__ == "__main__":
    sys.exit(main())
