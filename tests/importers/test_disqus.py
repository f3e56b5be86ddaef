"""A newsroom moves its Disqus archive to Townhall."""

from __future__ import annotations

from typing import Any

import pytest

from tests.importers.conftest import FIXTURES, flatten
from townhall.importers import disqus
from townhall.importers.writer import Importer

MAP = "http://old.harbourgazette.example/=https://harbourgazette.example/"


def test_threads_replies_and_flags_arrive(townhall_cli: Any, anonymous: Any, capsys: Any) -> None:
    assert townhall_cli("import", "disqus", str(FIXTURES / "disqus.xml"), "--map-url", MAP) == 0
    out = capsys.readouterr()
    assert "Imported 9 comments" in out.out
    # The bad records are named by line and element, and skipped.
    assert "line 126, <post dsq:id='1009'>: createdAt is empty" in out.err
    assert "duplicate id '1001'" in out.err
    assert "its parent '999999' is not in the file" in out.err

    page = anonymous.thread("story-2019-ferry", sort="oldest")
    assert page["thread"]["url"] == "https://harbourgazette.example/2019/ferry-timetable"
    assert page["thread"]["comment_count"] == 6
    shown = flatten(page["comments"])
    texts = [c["html"] for c in shown]
    assert texts[0].startswith("<p>Finally a later boat on Sundays.</p>")
    assert 'href="https://harbourgazette.example/timetable"' in texts[0]
    assert "Østervik? Ça m'étonnerait 🙂" in texts[1]
    # The deleted comment stays as a placeholder because it has a reply.
    assert shown[2]["status"] == "deleted" and shown[2]["html"] == ""
    # Five levels deep: stored with its true depth, shown beside its parent.
    deepest = shown[-2]
    assert "Five levels down" in deepest["html"]
    assert deepest["depth"] == 3 and deepest["display_parent_id"] == shown[-3]["display_parent_id"]
    assert [c["created_at"][:19] for c in shown[:2]] == [
        "2019-04-01T09:00:00",
        "2019-04-01T09:05:00",
    ]
    # The reply to a missing parent became a top-level comment; the spam is hidden.
    assert "never exported" in shown[-1]["html"]
    assert not any("Cheap pills" in t for t in texts)

    # A thread without an identifier is keyed by its (rewritten) link, and stays closed.
    closed = anonymous.thread("https://harbourgazette.example/2019/harbour-wall")
    assert closed["thread"]["open"] is False
    assert closed["comments"][0]["html"] == "<p>About time &amp; money well spent.</p>"


def test_running_twice_adds_nothing(townhall_cli: Any, anonymous: Any, capsys: Any) -> None:
    path = str(FIXTURES / "disqus.xml")
    assert townhall_cli("import", "disqus", path, "--quiet") == 0
    first = anonymous.thread("story-2019-ferry")
    assert townhall_cli("import", "disqus", path, "--quiet") == 0
    assert "Imported 0 comments" in capsys.readouterr().out
    assert anonymous.thread("story-2019-ferry") == first


def test_strict_stops_at_the_first_bad_record(
    townhall_cli: Any, anonymous: Any, capsys: Any
) -> None:
    assert townhall_cli("import", "disqus", str(FIXTURES / "disqus.xml"), "--strict") == 2
    err = capsys.readouterr().err
    assert "error: line 126, <post dsq:id='1009'>: createdAt is empty" in err
    # The batch it was in is not half-written: nothing of it was committed.
    assert anonymous.thread("story-2019-ferry")["comments"] == []


def test_an_interrupted_import_resumes_without_duplicates(services: Any, anonymous: Any) -> None:
    class Crash(Exception):
        pass

    def crashing(limit: int) -> Any:
        for n, record in enumerate(disqus.read(FIXTURES / "disqus.xml")):
            if n == limit:
                raise Crash
            yield record

    importer = Importer(services, site="default", source="disqus", batch_size=3)
    with pytest.raises(Crash):
        importer.run(crashing(6))  # two threads, then four posts: one batch of three
    partial = flatten(anonymous.thread("story-2019-ferry")["comments"])
    assert len(partial) == 2  # one whole batch; 1004 waits for its parent, not yet read
    report = Importer(services, site="default", source="disqus", batch_size=3).run(
        disqus.read(FIXTURES / "disqus.xml")
    )
    assert report.already > 0
    page = anonymous.thread("story-2019-ferry")
    assert page["thread"]["comment_count"] == 6
    assert len(flatten(page["comments"])) == 7  # six visible and the deleted placeholder


def test_authors_become_unclaimed_accounts(townhall_cli: Any, services: Any, app: Any) -> None:
    from starlette.testclient import TestClient

    assert townhall_cli("import", "disqus", str(FIXTURES / "disqus.xml"), "--quiet") == 0
    http = TestClient(app, headers={"Origin": "http://testserver"})
    # Imported accounts have no password: nobody can sign in as them until claimed.
    response = http.post(
        "/api/v1/auth/signin", json={"email": "maren.holt@example.org", "password": "x" * 12}
    )
    assert response.status_code == 401
