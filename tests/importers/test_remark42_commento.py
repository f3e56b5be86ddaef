"""Sites leaving Remark42 or Commento bring their threads along."""

from __future__ import annotations

from typing import Any

from tests.importers.conftest import FIXTURES, flatten


def test_remark42_backup(townhall_cli: Any, anonymous: Any, capsys: Any) -> None:
    assert townhall_cli("import", "remark42", str(FIXTURES / "remark42.jsonl"), "--quiet") == 0
    out = capsys.readouterr()
    assert "Imported 3 comments" in out.out
    assert "line 5: not valid JSON" in out.err
    page = anonymous.thread("https://tides.example/2022/storm")
    assert page["thread"]["title"] == "Storm warning"
    assert page["thread"]["comment_count"] == 2
    first, reply = flatten(page["comments"])
    assert first["html"] == "<p>Stay safe <strong>everyone</strong>.</p>"
    assert first["created_at"].startswith("2022-02-18T09:00:00.123")  # to UTC
    assert first["reaction_count"] == 2
    assert reply["author"]["name"] == "Tomás" and reply["edited_at"] is not None
    assert reply["reply_count"] == 0  # its deleted reply has no replies: not shown


def test_commento_export(townhall_cli: Any, anonymous: Any, capsys: Any) -> None:
    rule = "/=https://gazette.example/"
    path = str(FIXTURES / "commento.json")
    assert townhall_cli("import", "commento", path, "--map-url", rule, "--quiet") == 0
    out = capsys.readouterr()
    assert "Imported 3 comments" in out.out
    assert "comments[3] (aa04): creationDate 'yesterday' is not a date" in out.err
    page = anonymous.thread("https://gazette.example/2023/budget")
    assert page["thread"]["comment_count"] == 2
    first, reply = flatten(page["comments"])
    assert first["html"] == "<p>Where does the <em>library</em> money go?</p>"
    assert first["author"]["name"] == "Pat Reyes" and first["reaction_count"] == 5
    assert reply["author"]["name"] == "Anonymous"
