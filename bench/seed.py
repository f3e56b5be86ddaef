"""The benchmark's data and how it gets into each system, through each system's own HTTP API.

A *plan* is the list of comments a thread receives, fixed by a seed: who writes, what (200-800
characters of prose with some markdown), and which earlier comment a reply answers. The same
plan is replayed into Townhall and into Isso; only the ids differ, so parents are plan indexes.
Standard library only: this runs under whichever interpreter runs Townhall.
"""

# ruff: noqa: S311 (seeded, reproducible test data, not secrets)

from __future__ import annotations

import http.client
import json
import random
import time
from dataclasses import dataclass
from typing import Any

# A few hundred ordinary words, so that two comments share few character 5-grams, as real
# prose does: with a small vocabulary every comment looks like a near-duplicate of the others
# to Townhall's moderation (MinHash over 5-grams) and gets held.
VOCABULARY = (
    "about above account across action actually added after again against agency agree ahead "
    "allowed almost alone along already although always amount analysis announced another "
    "answer anyone appeal approach area argue around article asked attack attention august "
    "authority available average away back balance ballot bank barely based basic battle "
    "because become before began behind being believe below benefit better between beyond "
    "bill billion blame board body border bought bridge brief bring broken brought budget "
    "building business call campaign candidate capital career carried case cause centre "
    "certain chance change charge chief children choice citizens city claim clear climate "
    "close coast coffee college column comes committee common community company compared "
    "concern conference consider contract control cost could council country county couple "
    "course court cover crime crisis critical crowd current customers damage data deal "
    "debate decade decision defence demand department described despite detail develop "
    "difference difficult direct director disease district doctor document doing dollars "
    "done doubt down draft driver drought during early economy editor education effect "
    "effort either election else emergency employee energy enough entire environment "
    "especially evening event every evidence exactly example expect experience expert "
    "explain face fact failed fair fall family farmers federal feel ferry field fight "
    "figure final finally finance fire first flood floor follow food force foreign forget "
    "form former forward found free friend front fund future game garden general given "
    "global going government great green ground group growth guess half hall hand happen "
    "hard harbour health hear heart heavy help high himself history hold home hope hospital "
    "hour house housing however human idea image impact important improve include income "
    "increase industry information inside instead interest interview investigation island "
    "issue itself journalist judge jury justice keep kind knew know labour land language "
    "large last late later launch lawyer leader learn least leave legal less letter level "
    "library life light likely limit line list listen little local long look lost made "
    "major majority make manager many market matter mayor maybe mean measure media medical "
    "meeting member memory mention method middle might million minister minute model money "
    "month morning most mother move movement much museum music myself nation natural near "
    "nearly need network never news next night none north note nothing notice number "
    "nurses object obvious offer office officer official often once only open opinion "
    "option order other outage outside owner page paid paper parent park part party past "
    "patient pattern peace people percent perhaps period person phone picture piece place "
    "plan plant play please point police policy political poll poor popular population "
    "position possible power practice prepare present president pressure pretty prevent "
    "price private probably problem process produce product program project promise "
    "property protect prove provide public pull purpose push question quickly quite race "
    "radio raise range rate rather reach read ready real reason receive recent record "
    "reduce reform region remain remember rent repair report reporter represent require "
    "research resource response rest result return reveal review right rise risk river "
    "road role rule ruling safety said sales same saying school science season second "
    "section security seem sell senate sense series serious serve service seven several "
    "share short should show side sign similar simple since single sister site situation "
    "small social society soldier some someone something sometimes soon source south space "
    "speak special spend spring staff stage stand standard start state statement station "
    "still stock stop storm story street strike strong student study subject success "
    "suddenly suggest summer supply support sure surface survey system table take talk "
    "task taxes teacher team technology television tell tend term test thank themselves "
    "theory thing think third those though thought thousand threat three through throughout "
    "time today together tonight total tough toward town trade traffic training transit "
    "treatment trial trip trouble true trust truth turn turnout type under understand union "
    "unit until upon usually value various victim view village violence visit voice vote "
    "wages wait walk wall want warning watch water weather week weight welcome west whatever "
    "where whether while white whole whose wide wife will window winter wish within without "
    "witness woman wonder word work worker world worry would write writer wrong yard year "
    "young yourself"
).split()

READERS = 24  # distinct commenters per system


@dataclass(frozen=True)
class PlannedComment:
    reader: int  # 0..READERS-1
    text: str
    parent: int | None  # index of an earlier comment of the same plan, or None (top level)


def comment_body(rng: random.Random) -> str:
    """200-800 characters in paragraphs, with emphasis, links, inline code, a quote or a list."""
    target = rng.randint(200, 800)
    paragraphs: list[str] = []
    words: list[str] = []
    size = 0
    while size < target:
        word = rng.choice(VOCABULARY)
        roll = rng.random()
        if roll < 0.03:
            word = f"**{word}**"
        elif roll < 0.06:
            word = f"*{word}*"
        elif roll < 0.067:  # about one link in two comments; more than 3 would be held
            word = f"[{word}](https://news.example.org/{word})"
        elif roll < 0.077:
            word = f"`{word}`"
        words.append(word)
        size += len(word) + 1
        if len(words) > 15 and rng.random() < 0.07:
            paragraphs.append(" ".join(words).capitalize() + ".")
            size += 2
            words = []
    if words:
        paragraphs.append(" ".join(words).capitalize() + ".")
    if len(paragraphs) > 1 and rng.random() < 0.2:
        paragraphs[0] = "> " + paragraphs[0]
    if rng.random() < 0.1:
        paragraphs.append(f"- {rng.choice(VOCABULARY)}\n- {rng.choice(VOCABULARY)}")
    text = "\n\n".join(paragraphs)
    if len(text) > 800:
        text = text[:800].rsplit(" ", 1)[0]
    while len(text) < 200:  # a trimmed list or quote can fall short; pad with plain words
        text += " " + rng.choice(VOCABULARY)
    return text


def thread_plan(count: int, seed: int, reply_share: float = 0.3) -> list[PlannedComment]:
    """COUNT comments, REPLY_SHARE of them replies to a uniformly chosen earlier comment
    (which may itself be a reply); the first is always top level."""
    rng = random.Random(seed)
    replies = round(count * reply_share)
    kinds = [True] * replies + [False] * (count - 1 - replies)
    rng.shuffle(kinds)
    plan: list[PlannedComment] = []
    for index, is_reply in enumerate([False, *kinds]):
        parent = rng.randrange(index) if is_reply else None
        plan.append(PlannedComment(rng.randrange(READERS), comment_body(rng), parent))
    return plan


def count_articles(seed: int, articles: int = 50) -> dict[str, list[PlannedComment]]:
    """Keys of the articles whose counts are asked for in one request; one in five has no
    comment yet (a count of 0 is part of the answer), the others 1-3 comments."""
    rng = random.Random(seed)
    result: dict[str, list[PlannedComment]] = {}
    for n in range(articles):
        size = 0 if n % 5 == 4 else rng.randint(1, 3)
        result[f"a{n:02d}"] = thread_plan(size, seed * 1000 + n) if size else []
    return result


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:PORT, reopened after an error."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json"} if data is not None else {}
        sent.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                payload = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, payload
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        status, payload = self.request(method, path, body, **kw)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload[:300]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class SeedError(RuntimeError):
    pass


def _expect(status: int, answer: Any, wanted: tuple[int, ...], what: str) -> Any:
    if status not in wanted:
        raise SeedError(f"{what}: HTTP {status}: {answer!r}"[:500])
    return answer


# ---------------------------------------------------------------- Townhall


class TownhallSeeder:
    def __init__(self, port: int, readers: int = READERS) -> None:
        self.client = Client(port)
        self.origin = f"http://127.0.0.1:{port}"
        self.tokens: list[str] = []
        for n in range(readers):
            status, answer = self.client.json(
                "POST",
                "/api/v1/auth/signup",
                {
                    "email": f"reader{n}@bench.example.org",
                    "password": f"bench-password-{n}",
                    "name": f"Reader {n}",
                },
            )
            self.tokens.append(_expect(status, answer, (201,), "sign-up")["token"])

    def post(self, key: str, plan: list[PlannedComment], deadline: float) -> dict[str, Any]:
        """Posts the plan in order. A comment the moderation pipeline holds is not shown and
        cannot be replied to, so a reply planned under it goes under its nearest shown
        ancestor (or to the top level); the stats say how often that happened."""
        ids: list[int] = []
        shown: list[bool] = []
        moved = 0
        started = time.monotonic()
        for item in plan:
            if time.monotonic() > deadline:
                raise SeedError(f"seeding {key} ran out of time after {len(ids)} comments")
            body: dict[str, Any] = {"thread": key, "body": item.text}
            if not ids:
                body.update(title=f"Article {key}", url=f"https://news.example.org/{key}")
            parent = item.parent
            while True:
                while parent is not None and not shown[parent]:
                    parent = plan[parent].parent
                body.pop("parent_id", None)
                if parent is not None:
                    body["parent_id"] = ids[parent]
                status, answer = self.client.json(
                    "POST",
                    "/api/v1/comments",
                    body,
                    headers={
                        "Authorization": f"Bearer {self.tokens[item.reader % len(self.tokens)]}",
                        "Origin": self.origin,
                    },
                )
                # A comment shown when posted can be held later, with the cluster of
                # near-duplicates it turns out to belong to; then it takes no replies.
                if status == 404 and parent is not None and "replying to" in str(answer):
                    shown[parent] = False
                    continue
                break
            if parent != item.parent:
                moved += 1
            answer = _expect(status, answer, (201,), f"post to {key}")
            ids.append(answer["id"])
            shown.append(answer.get("status", "visible") == "visible")
        stats = _seed_stats(key, plan, ids, time.monotonic() - started)
        stats["held"] = shown.count(False)  # as far as this client found out
        stats["replies_moved"] = moved
        return stats


# ---------------------------------------------------------------- Isso


class IssoSeeder:
    def __init__(self, port: int) -> None:
        self.client = Client(port)

    def post(self, key: str, plan: list[PlannedComment], deadline: float) -> dict[str, Any]:
        ids: list[int] = []
        reparented = 0
        started = time.monotonic()
        for item in plan:
            if time.monotonic() > deadline:
                raise SeedError(f"seeding {key} ran out of time after {len(ids)} comments")
            body: dict[str, Any] = {
                "text": item.text,
                "author": f"Reader {item.reader}",
                "title": f"Article {key}",
            }
            if item.parent is not None:
                body["parent"] = ids[item.parent]
            status, answer = self.client.json("POST", f"/new?uri=/{key}", body)
            answer = _expect(status, answer, (201, 202), f"post to {key}")
            ids.append(answer["id"])
            if item.parent is not None and answer.get("parent") != ids[item.parent]:
                reparented += 1  # Isso nests one level: a reply to a reply moves up
        stats = _seed_stats(key, plan, ids, time.monotonic() - started)
        stats["reparented"] = reparented
        return stats


def _seed_stats(
    key: str, plan: list[PlannedComment], ids: list[int], seconds: float
) -> dict[str, Any]:
    replies = sum(1 for item in plan if item.parent is not None)
    sizes = [len(item.text) for item in plan]
    return {
        "thread": key,
        "comments": len(ids),
        "replies": replies,
        "top_level": len(ids) - replies,
        "min_chars": min(sizes, default=0),
        "max_chars": max(sizes, default=0),
        "seconds": round(seconds, 2),
    }
