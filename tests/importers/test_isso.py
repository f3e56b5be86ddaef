"""A blog moves from a self-hosted Isso to Townhall by pointing at Isso's database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.importers.conftest import flatten

# Isso's tables as its server creates them (isso/db), with invented rows.
SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR NOT NULL, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
"""
IP = "192.0.2.0"
ROWS = [
    # tid, id, parent, created, modified, mode, addr, text, author, email, likes
    (1, 1, None, 1600000000.5, None, 1, IP, "First! *Great* piece.", "Ana", "ana@example.org", 4),
    (1, 2, 1, 1600000100.0, 1600000200.0, 1, IP, "Agreed, see <script>x</script>", None, None, 0),
    (1, 3, 2, 1600000300.0, None, 4, IP, "", "Gone", None, 0),
    (1, 4, 3, 1600000400.0, None, 1, IP, "Answering a deleted one", "Ana", "ana@example.org", 0),
    (1, 5, None, 1600000500.0, None, 2, IP, "Waiting for a moderator", "Bo", None, 0),
    (1, 6, None, 1600000600.0, None, 9, IP, "Unknown mode", "Bo", None, 0),
]  # fmt: skip


def make_isso_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO threads VALUES (1, '/2020/09/rail-strike/', 'Rail strike')")
        conn.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text,"
            " author, email, likes, voters) VALUES (?,?,?,?,?,?,?,?,?,?,?, x'')",
            ROWS,
        )
    conn.close()
    return path


def test_isso_database_imports(
    townhall_cli: Any, anonymous: Any, tmp_path: Path, capsys: Any
) -> None:
    db = make_isso_db(tmp_path / "comments.db")
    rule = "/=https://blog.example.org/"
    assert townhall_cli("import", "isso", str(db), "--map-url", rule, "--quiet") == 0
    out = capsys.readouterr()
    assert "Imported 5 comments" in out.out
    assert "comments row id=6: mode 9 is not 1, 2 or 4." in out.err
    page = anonymous.thread("https://blog.example.org/2020/09/rail-strike/")
    assert page["thread"]["title"] == "Rail strike"
    assert page["thread"]["comment_count"] == 3
    shown = flatten(page["comments"])
    assert shown[0]["html"] == "<p>First! <em>Great</em> piece.</p>"
    assert shown[0]["reaction_count"] == 4
    assert shown[0]["created_at"].startswith("2020-09-13T12:26:40.5")
    assert shown[1]["author"]["name"] == "Anonymous"
    assert "<script>" not in shown[1]["html"] and shown[1]["edited_at"] is not None
    assert shown[2]["status"] == "deleted"  # kept as a placeholder: it has a reply
    assert "deleted one" in shown[3]["html"]


def test_a_file_that_is_not_isso_is_refused(townhall_cli: Any, tmp_path: Path, capsys: Any) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    assert townhall_cli("import", "isso", str(other), "--quiet") == 2
    assert "other.db is not an Isso database" in capsys.readouterr().err


def test_imported_likes_stay_when_readers_react(
    townhall_cli: Any, make_reader: Any, tmp_path: Path
) -> None:
    db = make_isso_db(tmp_path / "comments.db")
    assert townhall_cli("import", "isso", str(db), "--quiet") == 0
    reader = make_reader("Newcomer")
    first = flatten(reader.thread("/2020/09/rail-strike/")["comments"])[0]
    assert first["reaction_count"] == 4
    url = f"/api/v1/comments/{first['id']}/reaction"
    assert reader.http.put(url).json() == {"reaction_count": 5, "reacted": True}
    assert reader.http.delete(url).json() == {"reaction_count": 4, "reacted": False}
