"""The shipped models (#3, #7): our numpy scorers, on the arrays exported to
townhall/moderation/data by scripts/export_models.py, give the numbers the packages
themselves give (alt-profanity-check's scikit-learn pipeline, langid.py's classify), on a
few hundred generated sentences. The packages are installed by the ``dev`` extra only; the
server never imports them.

No labelled comment data ships offline (research/moderation.md §3), so this pins agreement
with the package; its accuracy on OLID is quoted in the README from that note."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from townhall.moderation.classifier import LanguageGuesser, LanguageModel, shipped_model

CALM = (
    "the minister council report bridge budget water heating school prices market shelter "
    "thanks article question answer agree disagree numbers wrong right follow-up source"
).split()
ROUGH = "idiot stupid shit fucking moron bastard damn hate dumb crap loser".split()


def sentences(n: int) -> list[str]:
    rng = random.Random(5)
    made = []
    for _ in range(n):
        words = [rng.choice(CALM) for _ in range(rng.randrange(3, 25))]
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            words.insert(rng.randrange(len(words) + 1), rng.choice(ROUGH))
        text = " ".join(words)
        made.append(text.upper() if rng.random() < 0.1 else text.capitalize() + ".")
    return made + ["", "!!!", "ok", "@USER 🙏"]


def test_the_numpy_scorer_agrees_with_the_packages_predict_prob() -> None:
    predict_prob = pytest.importorskip("profanity_check").predict_prob
    texts = sentences(400)
    ours = np.array([shipped_model().score(t) for t in texts])
    theirs = np.asarray(predict_prob(texts), dtype=np.float64)
    assert np.max(np.abs(ours - theirs)) < 1e-6
    # The sample spans the range, so the agreement is not only about clean text.
    assert (theirs > 0.7).sum() > 50 and (theirs < 0.3).sum() > 50


WORDS = {
    "de": "die Stadt hat heute den neuen Haushalt beschlossen und viele Bürger sind nicht"
    " zufrieden mit der Brücke",
    "fr": "le conseil municipal a voté le budget ce soir mais les habitants ne sont pas"
    " contents du pont",
    "es": "el ayuntamiento aprobó hoy el presupuesto pero los vecinos no están contentos con"
    " el puente nuevo",
    "it": "il consiglio comunale ha approvato il bilancio ma i cittadini non sono contenti"
    " del ponte",
    "pl": "rada miasta przyjęła dziś budżet ale mieszkańcy nie są zadowoleni z nowego mostu",
    "nl": "de gemeenteraad heeft vandaag de begroting aangenomen maar de bewoners zijn niet"
    " blij met de brug",
    "pt": "a câmara aprovou hoje o orçamento mas os moradores não estão contentes com a ponte nova",
    "uk": "міська рада сьогодні ухвалила бюджет але мешканці незадоволені новим мостом",
    "ru": "городской совет сегодня принял бюджет но жители недовольны новым мостом",
}


def multilingual(n: int) -> list[str]:
    rng = random.Random(7)
    made = []
    for _ in range(n):
        one, other = rng.sample(sorted(WORDS), 2)
        words = WORDS[one].split()
        picked = [rng.choice(words) for _ in range(rng.randrange(2, 20))]
        if rng.random() < 0.3:  # a mixture, where the model is least sure
            picked += [rng.choice(WORDS[other].split()) for _ in range(rng.randrange(1, 6))]
        made.append(" ".join(picked))
    return made + sentences(100) + ["", "ok", "🙏🙏", "https://example.org/a?b=c"]


def test_the_exported_language_model_agrees_with_langid() -> None:
    langid = pytest.importorskip("langid.langid")
    theirs = langid.LanguageIdentifier.from_modelstring(langid.model, norm_probs=True)
    theirs.set_languages(list(LanguageGuesser.LANGUAGES))
    ours = LanguageModel()
    texts = multilingual(400)
    for text in texts:
        language, confidence = ours.classify(text)
        expected, expected_confidence = theirs.classify(text)
        assert language == expected, text
        assert abs(confidence - expected_confidence) < 1e-9, text
    assert {ours.classify(t)[0] for t in texts} >= set(WORDS) | {"en"}


def test_the_server_loads_its_models_without_scikit_learn_scipy_or_langid() -> None:
    code = (
        "import sys\n"
        "from townhall.moderation.classifier import language_guesser, shipped_model\n"
        "assert shipped_model().score('You are an idiot') > 0.5\n"
        "assert language_guesser().guess('die Stadt hat heute den Haushalt beschlossen') == 'de'\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'joblib', 'langid', 'profanity_check')"
        " if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
