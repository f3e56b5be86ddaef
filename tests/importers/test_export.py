"""An editor exports a site and imports it into an empty server: nothing changes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson

from tests.importers.conftest import FIXTURES
from townhall.domain.services import Services
from townhall.domain.sites import ensure_default_site, get_site
from townhall.importers import disqus, native, wordpress
from townhall.importers.writer import Importer
from townhall.settings import Settings
from townhall.store import imports as import_store
from townhall.store.migrate import upgrade


def _snapshot(services: Services) -> dict[str, Any]:
    site = get_site(services, "default")
    with services.db.read() as conn:
        threads = [
            {k: t[k] for k in ("key", "title", "url", "is_open", "comment_count", "created_at")}
            for t in import_store.site_threads(conn, site["id"])
        ]
        rows = import_store.site_comments(conn, site["id"], 0, 10_000)
    by_id = {r["id"]: r for r in rows}

    def ident(comment_id: int | None) -> Any:
        row = by_id.get(comment_id) if comment_id is not None else None
        return (row["thread_key"], row["created_at"], row["body"]) if row else None

    comments = sorted(
        (
            ident(r["id"]),
            ident(r["parent_id"]),
            ident(r["root_id"]),
            ident(r["display_parent_id"]),
            r["depth"],
            r["html"],
            r["status"],
            r["edited_at"],
            r["author_name"],
            r["author_email"],
            r["reply_count"],
            r["reaction_count"],
        )  # fmt: skip
        for r in rows
    )
    return {"threads": sorted(threads, key=lambda t: t["key"]), "comments": comments}


def test_export_then_import_into_an_empty_database(
    services: Services, app: Any, tmp_path: Path, townhall_cli: Any, capsys: Any
) -> None:
    Importer(services, site="default", source="disqus").run(disqus.read(FIXTURES / "disqus.xml"))
    Importer(services, site="default", source="wordpress").run(
        wordpress.read(FIXTURES / "wordpress.xml")
    )
    before = _snapshot(services)
    assert len(before["comments"]) == 14

    exported = tmp_path / "site.jsonl"
    assert townhall_cli("export", "--site", "default", "--output", str(exported)) == 0
    assert "Exported 14 comments" in capsys.readouterr().err
    lines = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    assert lines[0]["format"] == "townhall-export" and lines[0]["version"] == 1
    assert {line["type"] for line in lines[1:]} == {"thread", "comment"}

    fresh_dir = tmp_path / "fresh"
    fresh = Services.build(Settings.load(env={}, data_dir=str(fresh_dir)))
    try:
        upgrade(fresh.db.url)
        ensure_default_site(fresh)
        report = Importer(fresh, site="default", source="townhall").run(native.read(exported))
        assert report.comments == 14 and report.skipped == 0 and report.orphans == 0
        assert _snapshot(fresh) == before
        # Exporting the copy gives the same file but for the header's time and the ids.
        copy = io.BytesIO()
        native.export(fresh, "default", copy)
        assert len(copy.getvalue().splitlines()) == len(lines)
    finally:
        fresh.close()


def test_a_file_of_another_format_is_refused(townhall_cli: Any, capsys: Any) -> None:
    assert townhall_cli("import", "townhall", str(FIXTURES / "disqus.xml"), "--quiet") == 2
    assert "does not start with a Townhall export header" in capsys.readouterr().err
