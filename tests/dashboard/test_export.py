"""An admin downloads a site's export from the dashboard; it imports into an empty server
unchanged. Moderators are refused, signed-out visitors are sent to sign in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.conftest import Reader
from tests.moderation.conftest import promote
from townhall.app import create_app
from townhall.domain.services import Services
from townhall.domain.sites import ensure_default_site
from townhall.importers import native
from townhall.importers.writer import Importer
from townhall.settings import Settings
from townhall.store.migrate import upgrade

KEPT = ("html", "status", "created_at", "edited_at", "depth", "reply_count")


def tree(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a reader sees of a thread, without the ids a new server gives out."""
    return [
        {
            **{key: c[key] for key in KEPT},
            "author": c["author"]["name"],
            "replies": tree(c["replies"]),
        }
        for c in comments
    ]


def test_an_admins_download_imports_into_an_empty_server_unchanged(
    make_reader: Any, services: Services, anonymous: Reader, tmp_path: Path
) -> None:
    ana, ben = make_reader("Ana Reporter"), make_reader("Ben Reader")
    root = ana.post("The ferry timetable changes on **Monday**.", thread="ferry")
    reply = ben.post("Does that include the night boat?", thread="ferry", parent_id=root["id"])
    ana.post("Yes, it leaves at 23:40.", thread="ferry", parent_id=reply["id"])
    fixed = ben.http.patch(f"/api/v1/comments/{reply['id']}", json={"body": "Night boat too?"})
    assert fixed.status_code == 200, fixed.text
    ben.post("The library reopens in May.", thread="library")
    before = {key: tree(anonymous.thread(key)["comments"]) for key in ("ferry", "library")}
    admin = promote(services, make_reader("Ada Admin"), "admin")

    page = admin.http.get("/dashboard/export")
    assert page.status_code == 200
    assert "Download export" in page.text and '<option value="default">' in page.text
    download = admin.http.get("/dashboard/export/download", params={"site": "default"})
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/x-ndjson"
    assert re.fullmatch(
        r'attachment; filename="townhall-default-\d{4}-\d\d-\d\d\.jsonl"',
        download.headers["content-disposition"],
    )
    assert download.headers["cache-control"] == "no-store"
    exported = tmp_path / "download.jsonl"
    exported.write_bytes(download.content)

    fresh = Services.build(Settings.load(env={}, data_dir=str(tmp_path / "fresh")))
    try:
        upgrade(fresh.db.url)
        ensure_default_site(fresh)
        report = Importer(fresh, site="default", source="townhall").run(native.read(exported))
        assert (report.comments, report.skipped, report.orphans) == (4, 0, 0)
        reader = Reader(create_app(fresh.settings, fresh))
        after = {key: tree(reader.thread(key)["comments"]) for key in ("ferry", "library")}
    finally:
        fresh.close()
    assert after == before
    assert after["ferry"][0]["replies"][0]["html"] == "<p>Night boat too?</p>"


def test_moderators_are_refused_and_visitors_sent_to_sign_in(
    make_reader: Any, services: Services, anonymous: Reader
) -> None:
    make_reader("Ana Reporter").post("A comment with an email behind it.")
    moderator = promote(services, make_reader("Mo Moderator"))
    for path in ("/dashboard/export", "/dashboard/export/download?site=default"):
        refused = moderator.http.get(path)
        assert refused.status_code == 403, path
        assert "<h1>Admins only</h1>" in refused.text
        assert "Only admins may export" in refused.text
        assert "content-disposition" not in refused.headers
        assert "@example.org" not in refused.text

        away = anonymous.http.get(path, follow_redirects=False)
        assert away.status_code == 303, path
        assert away.headers["location"] == "/dashboard/signin?next=/dashboard/export"
    queue = moderator.http.get("/dashboard/queues/pending")
    assert queue.status_code == 200 and 'href="/dashboard/export"' not in queue.text


def test_an_unknown_site_is_named_in_the_error(make_reader: Any, services: Services) -> None:
    admin = promote(services, make_reader("Ada Admin"), "admin")
    answer = admin.http.get("/dashboard/export/download", params={"site": "gazette"})
    assert answer.status_code == 404
    assert "There is no site called &#39;gazette&#39;" in answer.text
    assert 'href="/dashboard/export"' in admin.http.get("/dashboard/queues/pending").text
