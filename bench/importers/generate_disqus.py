"""Write a synthetic Disqus export for import benchmarks.

    python bench/importers/generate_disqus.py OUT.xml --comments 100000 [--threads 1000]

Each thread gets comments/threads posts; about a third answer an earlier post of the same
thread (chains run deep). Bodies are ~300 bytes of HTML; about 2% are deleted or spam.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

WORDS = (
    "harbour council ferry timetable residents bridge flood school budget library "
    "market road closure weekend festival repairs election candidate mayor"
).split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--body-words", type=int, default=45)
    args = parser.parse_args()
    rng = random.Random(6)  # noqa: S311 - synthetic data
    start = datetime(2015, 1, 1, tzinfo=UTC)
    per_thread = max(1, args.comments // args.threads)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com"'
                  ' xmlns:dsq="http://disqus.com/disqus-internals">\n')  # fmt: skip
        for t in range(args.threads):
            when = (start + timedelta(hours=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(
                f'<thread dsq:id="t{t}"><id>story-{t}</id><forum>bench</forum>'
                f"<link>https://news.example.org/{t}</link><title>Story {t}</title>"
                f"<message/><createdAt>{when}</createdAt></thread>\n"
            )
        post = 0
        for t in range(args.threads):
            first = post
            for n in range(per_thread):
                when = (start + timedelta(hours=t, minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
                words = " ".join(rng.choice(WORDS) for _ in range(args.body_words))
                parent = ""
                if n and rng.random() < 0.35:
                    parent = f'<parent dsq:id="{rng.randint(first, post - 1)}"/>'
                flag = rng.random()
                user = rng.randint(0, args.comments // 10)
                out.write(
                    f'<post dsq:id="{post}"><id/><message><![CDATA[<p>{escape(words)}</p>'
                    f"<p>Reply {n}.</p>]]></message><createdAt>{when}</createdAt>"
                    f"<isDeleted>{'true' if flag < 0.01 else 'false'}</isDeleted>"
                    f"<isSpam>{'true' if 0.01 <= flag < 0.02 else 'false'}</isSpam>"
                    f"<author><email>reader{user}@example.org</email><name>Reader {user}</name>"
                    f"<isAnonymous>false</isAnonymous></author><ipAddress>192.0.2.1</ipAddress>"
                    f'<thread dsq:id="t{t}"/>{parent}</post>\n'
                )
                post += 1
        out.write("</disqus>\n")


if __name__ == "__main__":
    main()
