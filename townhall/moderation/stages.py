"""The built-in stages, in the order they run. Each is small and says why it acted."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from townhall.errors import Forbidden, ThreadClosed
from townhall.moderation import minhash
from townhall.moderation.classifier import Classifier, language_guesser, shipped_model
from townhall.moderation.pipeline import Pipeline, Submission, Verdict
from townhall.moderation.text import WordList, count_links, count_mentions, normalise, shouting
from townhall.settings import Settings
from townhall.store import moderation as store

log = logging.getLogger("townhall.moderation")
DAY_MS = 86_400_000

# Our own short lists for the languages the classifier cannot score. Suspect, not banned:
# a person decides. Sites add theirs with TOWNHALL_MODERATION_SUSPECT_WORDS.
BUILTIN_SUSPECT = (
    "fuck*, shit*, cunt*, asshole*, motherfuck*, "
    "ідіот*, дебіл*, мудак*, падл*, сук*, бля*, хуй*, хуї*, пізд*, підор*, "
    "идиот*, дебил*, мудак*, падл*, сука, суки, бляд*, хуй*, хуе*, пизд*, пидор*, "
    "хохл*, хохол, москал*, кацап*, рашист*, укроп*, укронацист*"
)
LANGUAGE_NAMES = {"uk": "Ukrainian", "ru": "Russian", "de": "German", "fr": "French"}


class StandingStage:
    """Banned and suspended accounts cannot post; premoderated ones wait."""

    name = "standing"

    def run(self, sub: Submission, verdict: Verdict) -> None:
        found = store.standing(sub.conn, sub.author["id"])
        if found is None:
            return
        active = found["until"] is None or found["until"] > sub.now
        if found["state"] == "banned":
            raise Forbidden("Your account may no longer comment on this site.")
        if found["state"] == "suspended" and active:
            raise Forbidden(
                "Your account is suspended from commenting for now; try again after the"
                " suspension ends."
            )
        if found["state"] == "premoderated" and active:
            how = (
                "automatically, after recent rejections" if found["automatic"] else "by a moderator"
            )
            verdict.hold(
                self.name,
                "premoderated-user",
                f"The author's comments are pre-moderated ({how}).",
                "Your comments are reviewed by a moderator before they appear.",
            )


class ModeStage:
    """The story's mode (or the site's): closed, pre-moderated, auto-closing; first comments
    of new accounts and comments with links when the site asks for that."""

    name = "mode"

    def run(self, sub: Submission, verdict: Verdict) -> None:
        settings = sub.settings
        mode = store.thread_mode(sub.conn, sub.thread["id"])
        current = mode["mode"] if mode else str(settings.moderation_mode)
        if current == "closed":
            message = (mode or {}).get("message") or "Comments on this article are closed."
            raise ThreadClosed(message)
        days = int(settings.moderation_auto_close_days)
        if days and sub.comment_id is None and sub.now > sub.thread["created_at"] + days * DAY_MS:
            raise ThreadClosed(f"Comments on this article closed {days} days after it opened.")
        if current == "premoderated":
            verdict.hold(
                self.name,
                "premoderated-story",
                "The story is pre-moderated.",
                "Comments on this article are reviewed before they appear.",
            )
        if settings.moderation_premod_links and sub.memo("links", lambda: count_links(sub.body)):
            verdict.hold(
                self.name,
                "link",
                "Comments with links are pre-moderated on this site.",
                "Comments with links are reviewed before they appear.",
            )
        if (
            settings.moderation_premod_first_comment
            and sub.account_new
            and not store.has_published(sub.conn, sub.author["id"])
        ):
            verdict.hold(
                self.name,
                "first-comment",
                "First comment of a new account.",
                "A new account's first comment is reviewed before it appears.",
            )


class RulesStage:
    """Word lists after normalisation; link, mention and shouting limits."""

    name = "rules"

    def __init__(self, settings: Settings) -> None:
        self.banned = WordList.parse(str(settings.moderation_banned_words))
        self.suspect = WordList.parse(
            BUILTIN_SUSPECT + "," + str(settings.moderation_suspect_words)
        )
        self.max_links = int(settings.moderation_max_links)
        self.max_mentions = int(settings.moderation_max_mentions)

    def run(self, sub: Submission, verdict: Verdict) -> None:
        text = sub.memo("normalised", lambda: normalise(sub.body))
        word = self.banned.find(text)
        if word:
            verdict.reject(
                self.name,
                "banned-word",
                f"Contains the banned word {word!r}.",
                "It contains a word this site does not publish.",
                nudge=True,
            )
            return
        word = self.suspect.find(text)
        if word:
            verdict.hold(
                self.name,
                "suspect-word",
                f"Contains the suspect word {word!r}.",
                "It contains a word a moderator checks before publishing.",
                nudge=True,
            )
        links = sub.memo("links", lambda: count_links(sub.body))
        if links > self.max_links:
            verdict.hold(
                self.name,
                "links",
                f"{links} links; the limit is {self.max_links}.",
                f"It has {links} links; comments with more than {self.max_links} are reviewed.",
                nudge=True,
            )
        mentions = sub.memo("mentions", lambda: count_mentions(sub.body))
        if mentions > self.max_mentions:
            verdict.hold(
                self.name,
                "mentions",
                f"{mentions} mentions; the limit is {self.max_mentions}.",
                f"It mentions {mentions} people; the limit is {self.max_mentions}.",
                nudge=True,
            )
        if sub.memo("shouting", lambda: shouting(sub.body)):
            verdict.hold(
                self.name,
                "shouting",
                "Mostly capital letters.",
                "It is written mostly in capital letters; a moderator will check it.",
                nudge=True,
            )


class ToxicityStage:
    """English is scored by the shipped classifier; other languages are marked 'not scored'
    and follow the site's policy, never silently passed as clean."""

    name = "toxicity"

    def __init__(self, settings: Settings, classifier: Classifier | None = None) -> None:
        self.classifier = classifier
        self.hold_at = float(settings.moderation_toxicity_hold)
        self.reject_at = float(settings.moderation_toxicity_reject)
        self.unscored = str(settings.moderation_unscored_policy)

    def run(self, sub: Submission, verdict: Verdict) -> None:
        language = sub.memo("language", lambda: language_guesser().guess(sub.body))
        verdict.language = language
        if language not in ("en", "und"):
            name = LANGUAGE_NAMES.get(language, language)
            verdict.note(self.name, "not-scored", f"Not scored: the text is in {name}.")
            if self.unscored == "hold":
                verdict.hold(
                    self.name,
                    "not-scored",
                    f"Not scored ({name}); the site holds unscored comments.",
                    "A moderator reviews comments in this language before they appear.",
                )
            return
        if self.classifier is None:  # the shipped model's score may come with the text
            score = sub.memo("toxicity", lambda: shipped_model().score(sub.body))
        else:
            score = self.classifier.score(sub.body)
        verdict.toxicity = score
        if self.reject_at and score >= self.reject_at:
            verdict.reject(
                self.name,
                "toxic",
                f"Toxicity {score:.2f} (rejects at {self.reject_at:.2f}).",
                "It reads as abusive; please rephrase it without insults.",
                nudge=True,
            )
        elif score >= self.hold_at:
            verdict.hold(
                self.name,
                "toxic",
                f"Toxicity {score:.2f} (holds at {self.hold_at:.2f}).",
                "It may read as abusive, so a moderator will check it first.",
                nudge=True,
            )


class SpamStage:
    """Repeated text by one author; link-heavy comments from accounts under a day old."""

    name = "spam"

    def run(self, sub: Submission, verdict: Verdict) -> None:
        sig = sub.memo("signature", lambda: minhash.signature(sub.body))
        verdict.signature = minhash.to_bytes(sig)
        since = sub.now - DAY_MS
        short = len(minhash.shingle_text(sub.body).split()) < NearDuplicateStage.MIN_WORDS
        for raw in (
            []
            if short
            else store.author_signatures(
                sub.conn, author_id=sub.author["id"], since=since, exclude=sub.comment_id
            )
        ):
            if minhash.similarity(sig, minhash.from_bytes(raw)) >= 0.8:
                verdict.hold(
                    self.name,
                    "repeated",
                    "The author posted nearly the same text in the last day.",
                    "You posted nearly the same text already.",
                )
                break
        links = sub.memo("links", lambda: count_links(sub.body))
        if sub.account_new and links >= 2:
            verdict.hold(
                self.name,
                "new-account-links",
                f"{links} links from an account under a day old.",
                "Links from new accounts are reviewed before they appear.",
            )


class NearDuplicateStage:
    """Near-identical comments from several accounts within the window: hold them as one
    cluster. Accounts count more when new or sharing a network with another member."""

    name = "near-duplicates"
    MIN_WORDS = 5
    JOIN_ACCOUNTS = 3

    def __init__(self, settings: Settings) -> None:
        self.threshold = float(settings.moderation_cluster_similarity)
        self.window = int(float(settings.moderation_cluster_window_hours) * 3_600_000)

    def run(self, sub: Submission, verdict: Verdict) -> None:
        if len(minhash.shingle_text(sub.body).split()) < self.MIN_WORDS:
            return
        sig = sub.memo("signature", lambda: minhash.signature(sub.body))
        verdict.bands = minhash.bands(sig)
        found = store.band_neighbours(
            sub.conn, site_id=sub.site_id, keys=verdict.bands, since=sub.now - self.window
        )
        similar = [
            n
            for n in found
            if n["comment_id"] != sub.comment_id
            and n["author_id"] != sub.author["id"]
            and n["status"] in ("visible", "pending")
            and n["signature"] is not None
            and minhash.similarity(sig, minhash.from_bytes(n["signature"])) >= self.threshold
        ]
        if not similar:
            return
        # Established accounts quoting the same line are a conversation, not a campaign:
        # they weigh a quarter of a new account; a shared /24 or /64 adds weight.
        authors: dict[Any, float] = {sub.author["id"]: 1.0 if sub.account_new else 0.25}
        networks = [sub.network] + [n["network"] for n in similar]
        for n in similar:
            weight = 1.0 if n["account_new"] else 0.25
            authors[n["author_id"]] = max(authors.get(n["author_id"], 0.0), weight)
        shared = sum(1 for net in networks if net and networks.count(net) > 1)
        weight = sum(authors.values()) + 0.5 * shared
        new_authors = sum(1 for w in authors.values() if w == 1.0)
        suspect = [n for n in similar if n["account_new"] or networks.count(n["network"]) > 1]
        self_suspect = sub.account_new or networks.count(sub.network) > 1
        if len(authors) >= 3 and new_authors >= 2 and weight >= 3.0 and self_suspect:
            existing = self._cluster_to_join(sub, suspect)
            # Never re-home a comment from another cluster: no chaining through it.
            members = [n["comment_id"] for n in suspect if n["cluster_id"] in (None, existing)]
            verdict.cluster = {
                "kind": "near-duplicate",
                "thread_id": None,
                "members": members,
                "existing": existing,
                "label": f"Near-identical comments from {len(authors)} accounts",
            }

    def _cluster_to_join(self, sub: Submission, suspect: list[dict[str, Any]]) -> int | None:
        """The cluster this comment resembles most, if it resembles enough of it.

        Joining on one similar member would chain: A like B, B like C, so A, B and C and
        everything like any of them end up in one ever-growing cluster (#3). A comment joins
        only when it is similar to at least half of the cluster's members, or to members
        from JOIN_ACCOUNTS different accounts; otherwise it may seed a cluster of its own
        with the similar comments nobody has clustered yet.
        """
        shared: dict[int, set[Any]] = {}
        for n in suspect:
            if n["cluster_id"]:
                shared.setdefault(n["cluster_id"], set()).add(n["author_id"])
        for cluster_id, accounts in sorted(shared.items(), key=lambda kv: -len(kv[1])):
            size = len(store.cluster_members(sub.conn, cluster_id))
            if len(accounts) >= self.JOIN_ACCOUNTS or 2 * len(accounts) >= size:
                return cluster_id
        return None


class BurstStage:
    """Many accounts under a day old commenting on one story within minutes: a campaign
    even when each writes its own words. Hold them together for a person to judge."""

    name = "burst"

    def __init__(self, settings: Settings) -> None:
        self.window = int(settings.moderation_burst_minutes) * 60_000
        self.size = int(settings.moderation_burst_size)

    def run(self, sub: Submission, verdict: Verdict) -> None:
        if not sub.account_new or self.size <= 0:
            return
        rows = store.new_account_comments(
            sub.conn, thread_id=sub.thread["id"], since=sub.now - self.window
        )
        rows = [r for r in rows if r["comment_id"] != sub.comment_id]
        authors = {r["author_id"] for r in rows} | {sub.author["id"]}
        if len(authors) < self.size:
            return
        existing = next((r["cluster_id"] for r in rows if r["cluster_id"]), None)
        if verdict.cluster is not None:
            verdict.cluster["members"] = sorted(
                set(verdict.cluster["members"]) | {r["comment_id"] for r in rows}
            )
            verdict.cluster["existing"] = verdict.cluster["existing"] or existing
            return
        minutes = self.window // 60_000
        verdict.cluster = {
            "kind": "new-account-burst",
            "thread_id": sub.thread["id"],
            "members": [r["comment_id"] for r in rows],
            "existing": existing,
            "label": f"{len(authors)} new accounts commenting within {minutes} minutes",
        }


class ExternalCheckerStage:
    """An outside service (Perspective- or Akismet-like), off unless a URL is set.

    It receives ``{"text", "language", "author_age_hours"}`` as JSON and answers
    ``{"score": 0..1, "spam": bool, "reason": "..."}`` (each optional); the reason is shown
    to moderators. Failures and timeouts fail open: the comment goes on, with a note.
    """

    name = "external"

    def __init__(self, settings: Settings) -> None:
        self.url = str(settings.moderation_external_url)
        self.timeout = int(settings.moderation_external_timeout_ms) / 1000
        self.hold_at = float(settings.moderation_toxicity_hold)

    def run(self, sub: Submission, verdict: Verdict) -> None:
        if not self.url:
            return
        payload = json.dumps(
            {
                "text": sub.body,
                "language": verdict.language,
                "author_age_hours": round(sub.account_age_hours, 1),
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's configured URL
            self.url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                result = json.loads(answer.read())
        except (OSError, ValueError, urllib.error.URLError) as error:
            log.warning("external checker failed: %s", error)
            verdict.note(self.name, "unavailable", f"External checker unavailable: {error}.")
            return
        if not isinstance(result, dict):
            verdict.note(self.name, "unavailable", "External checker answered something else.")
            return
        said = str(result.get("reason") or "").strip()[:200]
        said = f" It says: {said}" if said else ""
        if result.get("spam"):
            verdict.hold(
                self.name,
                "external-spam",
                f"The external checker says spam.{said}",
                "It looks like spam to our checks; a moderator will look at it.",
            )
        score = result.get("score")
        if isinstance(score, int | float) and score >= self.hold_at:
            verdict.hold(
                self.name,
                "external-toxic",
                f"External toxicity score {score:.2f}.{said}",
                "It may read as abusive, so a moderator will check it first.",
            )


def default_pipeline(settings: Settings) -> Pipeline:
    pipeline = Pipeline()
    pipeline.register(StandingStage())
    pipeline.register(ModeStage())
    pipeline.register(RulesStage(settings))
    pipeline.register(ToxicityStage(settings))
    pipeline.register(SpamStage())
    pipeline.register(NearDuplicateStage(settings))
    pipeline.register(BurstStage(settings))
    pipeline.register(ExternalCheckerStage(settings))
    return pipeline
