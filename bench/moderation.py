"""Brigading simulation through the real pipeline and store (issue #3).

2,000 organic comments (10 % from accounts under a day old) over a simulated day on 20
stories, plus campaign A (40 new accounts posting template-spun copies of one message
within 10 minutes) and campaign B (40 new accounts posting free paraphrases of one
opinion within 10 minutes). Prints, on standard error, the clusters each campaign landed
in and the p95 cost, then one line on standard output:

    template_held=… paraphrase_held=… organic_held=… median_ms=…

median_ms is the synchronous pipeline's median cost per comment (all stages, classifier
and database look-ups included; the insert itself excluded). Run from the repository root:
``python bench/moderation.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from townhall.domain import comments, moderation
from townhall.domain.services import Services
from townhall.settings import Settings
from townhall.store import users as user_store
from townhall.store.migrate import upgrade

HOUR = 3_600_000
BOUND_S = 180
START = 1_790_000_000_000

SUBJECTS = """the minister, the mayor, the council, the army, the volunteers, the report, the
editor, the government, the opposition, our neighbours, the farmers, the teachers, the
doctors, the railway, the energy company, the police, the court, the refugees, the
negotiators, the city hall, the parliament, the journalists, the students""".split(",")
VERBS = """should explain, did not mention, deserves credit for, got wrong, is right about,
keeps ignoring, finally addressed, underestimated, overstated, handled well, needs to fix,
forgot, promised, delayed, cut funding for, doubled, questioned, defended, criticised""".split(",")
OBJECTS = """the budget, the blackout schedule, the school repairs, the bus routes, the water
supply, the heating plan, the evacuation, the hospital queue, the bridge, the tax change,
the shelter map, the grain exports, the pension rules, the housing aid, the curfew, the
new library, the drone strikes, the air defence, the air raid sirens, the market prices,
the local elections, the mobilisation rules, the power cuts""".split(",")
TAILS = [
    "I saw it myself last week.",
    "My brother works there and says the same.",
    "Thanks for covering this.",
    "Would like a follow-up on this.",
    "Numbers in the third paragraph look off.",
    "Good piece, balanced.",
    "Where is the source for that claim?",
    "This matters for our district.",
    "Still waiting for answers.",
    "Hard to read but important.",
    "Please keep reporting from the region.",
    "",
    "",
    "",
]
DETAILS = [
    "We waited {n} minutes at the stop in {place} yesterday.",
    "In {place} it has been {n} days without a proper answer.",
    "My grandmother in {place} is {n} and still volunteers.",
    "Our street in {place} lost power {n} times this month.",
    "{n} families from {place} signed the letter.",
    "Prices in {place} went up about {n} percent.",
    "I drove through {place} and counted {n} new checkpoints.",
    "The clinic in {place} now opens at {n} past eight.",
]
PLACES = """Lviv, Kharkiv, Odesa, Dnipro, Poltava, Chernihiv, Sumy, Vinnytsia, Rivne, Uzhhorod,
Mykolaiv, Kherson, Zhytomyr, Ternopil, Lutsk, Cherkasy, Kropyvnytskyi, Ivano-Frankivsk""".split(",")
OPENERS = ["", "", "Honestly, ", "I think ", "As a local, ", "Frankly ", "In my view ", "Well, "]

# Campaign A: one message, spun from a template (synonym swaps, reordered sentences, noise).
SPIN = [
    ["Stop sending aid now", "Stop the aid now", "End the aid immediately", "Halt the aid now"],
    ["this war cannot be won", "this war can't be won", "nobody can win this war"],
    ["our money is wasted", "our taxes are wasted", "our money is being thrown away"],
    ["negotiate before more people die", "negotiate before more die", "talk peace before more die"],
]
NOISE = ["", "!!!", " #peace", " #stopthewar", " 🙏", " ...", " wake up people", " share this"]

# Campaign B: free paraphrases of one opinion, each written differently.
PARAPHRASES = [
    "Time to stop funding a conflict that has no end in sight and sit down at the table.",
    "We keep paying for a fight nobody is winning. Diplomacy is the only way out.",
    "Honestly the aid should end, there is no victory coming and talks are overdue.",
    "Why are we still paying? Peace talks now, the front will not move anyway.",
    "Enough money has gone into this. Call a ceasefire and negotiate.",
    "The support package is a waste; the only realistic outcome is a negotiated deal.",
    "No more weapons, no more cash. Get both sides talking instead.",
    "Every month of aid just prolongs it. Negotiation is what ends wars.",
    "Let's be realistic: victory isn't possible, so cut the aid and start talks.",
    "Our politicians should stop the payments and push for a settlement.",
    "I am tired of funding this. Sign a deal and stop the killing.",
    "Aid doesn't change the map, talks would. Stop it.",
    "The smart move is ending support and brokering peace.",
    "Throwing billions at an unwinnable war is madness, negotiate now.",
    "This won't be won on the battlefield, so why keep paying for it?",
    "Cut the support. A ceasefire agreement is the answer.",
    "Stop prolonging the suffering with more aid; diplomacy first.",
    "It's a stalemate. Spend the money at home and let diplomats work.",
    "More aid means more dead. The table, not the trenches.",
    "Nobody wins here. End the funding and get a treaty signed.",
    "We should withdraw our support and insist on negotiations.",
    "The war is lost cause financially; end assistance, seek compromise.",
    "A peace deal beats endless funding of a frozen front.",
    "Enough is enough, stop the aid and bring everyone to talks.",
    "Our taxes are not for an endless war. Negotiate a settlement.",
    "Pouring money in won't produce a win. Time for a ceasefire.",
    "End the aid programme and press for peace talks today.",
    "I don't see any path to victory; let's fund diplomacy instead.",
    "This is going nowhere. Stop paying and start negotiating.",
    "Support only delays the inevitable deal. Make it now.",
    "Why fund a war that can't end in victory? Talks please.",
    "Freeze the aid, open negotiations, save lives.",
    "A negotiated end is better than another year of spending.",
    "Stop the cheques. Ceasefire first, then talks.",
    "Peace through negotiation, not through more shipments of aid.",
    "We can't keep bankrolling this. Diplomacy is overdue.",
    "The aid must stop; no one can win, so compromise.",
    "Time to admit it: no victory, so cut aid and talk.",
    "All this money and the line hasn't moved. Negotiate.",
    "End it at the table. No more aid packages.",
]


class SimClock:
    def __init__(self) -> None:
        self.now = START

    def now_ms(self) -> int:
        return self.now


def organic_text(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        subject = rng.choice(SUBJECTS).strip()
        sentence = f"{rng.choice(OPENERS)}{subject} {rng.choice(VERBS).strip()} "
        sentence += f"{rng.choice(OBJECTS).strip()}."
        sentences.append(sentence[0].upper() + sentence[1:])
    tail = rng.choice(TAILS)
    # Readers write in their own words: a personal detail makes most comments unique.
    detail = rng.choice(DETAILS).format(n=rng.randrange(2, 90), place=rng.choice(PLACES))
    return " ".join(sentences + ([tail] if tail else []) + ([detail] if rng.random() < 0.8 else []))


def spun_text(rng: random.Random) -> str:
    parts = [rng.choice(options) for options in SPIN]
    rng.shuffle(parts)
    text = ". ".join(parts) + "."
    if rng.random() < 0.5:
        text = text.lower()
    return text + rng.choice(NOISE)


def run(seed: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="townhall-modbench-"))
    try:
        return simulate(seed, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def simulate(seed: int, workdir: Path, organic: int = 2000, stories: int = 20) -> dict[str, Any]:
    """The simulation in ``workdir``; ``organic`` and ``stories`` shrink it for the tests."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not secrets
    settings = Settings.load(env={}, data_dir=str(workdir), rate_limits_enabled=False)
    upgrade(settings.resolved_database_url)
    clock = SimClock()
    services = Services.build(settings)
    services.clock = clock
    from townhall.domain import sites

    sites.ensure_default_site(services)
    site = sites.get_site(services, "default")

    timings: list[float] = []
    pipeline = moderation.pipeline_for(services)
    original_run = pipeline.run

    def timed(submission: Any) -> Any:
        started = time.perf_counter()
        verdict = original_run(submission)
        timings.append((time.perf_counter() - started) * 1000)
        return verdict

    pipeline.run = timed  # type: ignore[method-assign]

    def make_user(age_hours: float, index: int) -> dict[str, Any]:
        with services.db.write() as conn:
            return user_store.create(
                conn,
                email=f"u{index}-{rng.random()}@example.org",
                name=f"User {index}",
                password_hash=None,
                role="reader",
                now=clock.now - int(age_hours * HOUR),
            )

    # Organic: 1,600 accounts; comments spread over 24 h on 20 stories.
    old_accounts = [make_user(rng.uniform(48, 5000), i) for i in range(organic * 72 // 100)]
    new_accounts = [make_user(rng.uniform(0.1, 20), 10_000 + i) for i in range(organic * 8 // 100)]
    events: list[tuple[int, str, dict[str, Any], str, str]] = []
    for _ in range(organic):
        author = rng.choice(new_accounts) if rng.random() < 0.10 else rng.choice(old_accounts)
        at = START + rng.randrange(24 * HOUR)
        events.append((at, "organic", author, f"story-{rng.randrange(stories)}", organic_text(rng)))
    campaign_a_start = START + 6 * HOUR
    campaign_b_start = START + 15 * HOUR
    for i in range(40):
        account = make_user(rng.uniform(0.05, 3), 20_000 + i)
        at = campaign_a_start + rng.randrange(10 * 60_000)
        events.append((at, "template", account, f"story-{3 % stories}", spun_text(rng)))
    for i in range(40):
        account = make_user(rng.uniform(0.05, 3), 30_000 + i)
        at = campaign_b_start + rng.randrange(10 * 60_000)
        events.append((at, "paraphrase", account, f"story-{7 % stories}", PARAPHRASES[i]))
    events.sort(key=lambda e: e[0])

    posted: dict[str, list[int]] = {"organic": [], "template": [], "paraphrase": []}
    for at, kind, author, thread, text in events:
        clock.now = at
        # Campaign accounts were created shortly before they post.
        network = f"203.0.113.{rng.randrange(1, 250)}" if kind != "organic" else None
        home = f"{rng.randrange(11, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.7"
        address = network or home
        view = comments.post_comment(
            services,
            user=author,
            site=site,
            thread_key=thread,
            body=text,
            may_create_thread=True,
            remote_addr=address,
        )
        posted[kind].append(view["id"])

    from townhall.store import comments as comment_store
    from townhall.store import moderation as moderation_store

    with services.db.read() as conn:

        def held(ids: list[int]) -> float:
            rows = [comment_store.by_id(conn, i) for i in ids]
            return sum(1 for r in rows if r and r["status"] != "visible") / len(ids)

        def clusters(ids: list[int]) -> list[int]:
            """How many of the kind's comments each cluster holds, largest first."""
            found: dict[int, int] = {}
            for i in ids:
                check = moderation_store.check_for(conn, i)
                if check and check["cluster_id"]:
                    found[check["cluster_id"]] = found.get(check["cluster_id"], 0) + 1
            return sorted(found.values(), reverse=True)

        result = {
            "template_held": held(posted["template"]),
            "paraphrase_held": held(posted["paraphrase"]),
            "organic_held": held(posted["organic"]),
            "median_ms": statistics.median(timings),
            "p95_ms": statistics.quantiles(timings, n=20)[-1],
            "template_clusters": clusters(posted["template"]),
            "paraphrase_clusters": clusters(posted["paraphrase"]),
            "organic_clustered": sum(clusters(posted["organic"])),
        }
    services.db.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.monotonic()

    def over_time(*_: Any) -> None:
        raise SystemExit(f"bench/moderation.py: still running after {BOUND_S} s, its bound")

    signal.signal(signal.SIGALRM, over_time)
    signal.alarm(BOUND_S)  # the issue bounds the run to 3 minutes; the temp dir still goes
    result = run(args.seed)
    signal.alarm(0)
    for kind in ("template", "paraphrase"):
        sizes = result[f"{kind}_clusters"]
        print(f"{kind}: {len(sizes)} cluster(s) holding {sizes} of its 40", file=sys.stderr)
    print(f"organic comments in clusters: {result['organic_clustered']}", file=sys.stderr)
    print(f"p95_ms={result['p95_ms']:.2f} wall_s={time.monotonic() - started:.0f}", file=sys.stderr)
    print(
        f"template_held={result['template_held']:.2f} "
        f"paraphrase_held={result['paraphrase_held']:.2f} "
        f"organic_held={result['organic_held']:.3f} median_ms={result['median_ms']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
