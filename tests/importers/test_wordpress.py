"""A WordPress blog's comments move over, including the awkward ones."""

from __future__ import annotations

from typing import Any

from tests.importers.conftest import FIXTURES, flatten

MAP = "http://valleycourier.example/=https://courier.example/"


def test_comments_of_posts_arrive(townhall_cli: Any, anonymous: Any, capsys: Any) -> None:
    assert (
        townhall_cli("import", "wordpress", str(FIXTURES / "wordpress.xml"), "--map-url", MAP) == 0
    )
    out = capsys.readouterr()
    assert "Imported 5 comments" in out.out  # the pingback is not a comment
    assert "line 98, <wp:comment> 13: comment_approved is 'maybe'" in out.err
    page = anonymous.thread("https://courier.example/2021/03/bridge-reopens/")
    assert page["thread"]["title"] == "Bridge reopens after flood"
    assert page["thread"]["comment_count"] == 2
    shown = flatten(page["comments"])
    assert [c["html"] for c in shown] == [
        "<p>Good news for the school run.</p><p>It took <em>forty minutes</em> round the long"
        " way.</p>",
        "<p>Forty? It was an hour for us.</p>",
    ]
    assert shown[0]["author"]["name"] == "Kofi Mensah"
    assert shown[1]["author"]["name"] == "Zoë"
    assert shown[0]["created_at"].startswith("2021-03-01T08:30:00")  # the GMT time


def test_a_latin1_export_is_read_in_its_own_encoding(townhall_cli: Any, anonymous: Any) -> None:
    assert townhall_cli("import", "wordpress", str(FIXTURES / "wordpress-latin1.xml")) == 0
    page = anonymous.thread("http://valleycourier.example/2012/fete/")
    assert page["thread"]["title"] == "Fête du village"
    assert page["thread"]["open"] is False
    [comment] = page["comments"]
    assert comment["author"]["name"] == "Amélie Lefèvre"
    assert comment["html"] == "<p>Très réussie, à l'année prochaine !</p>"
    # No GMT date (0000-00-00): the local date is used.
    assert comment["created_at"].startswith("2012-07-14T12:00:00")
