"""The shipped toxicity model (#3): our numpy scorer gives the numbers the package's own
scikit-learn pipeline gives, on a few hundred generated sentences, mild and abusive.

No labelled comment data ships offline (research/moderation.md §3), so this pins agreement
with the package; its accuracy on OLID is quoted in the README from that note."""

from __future__ import annotations

import random

import numpy as np
from profanity_check import predict_prob

from townhall.moderation.classifier import shipped_model

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
    texts = sentences(400)
    ours = np.array([shipped_model().score(t) for t in texts])
    theirs = np.asarray(predict_prob(texts), dtype=np.float64)
    assert np.max(np.abs(ours - theirs)) < 1e-6
    # The sample spans the range, so the agreement is not only about clean text.
    assert (theirs > 0.7).sum() > 50 and (theirs < 0.3).sum() > 50
