"""The widget's files and the demo page are served small and cacheable."""

from __future__ import annotations

from tests.conftest import Reader


def test_widget_script_is_gzipped_cacheable_and_answers_head(anonymous: Reader) -> None:
    plain = anonymous.http.get("/widget/townhall.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/javascript")
    assert "content-encoding" not in plain.headers
    raw = anonymous.http.get("/widget/townhall.js", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < len(plain.content)
    assert raw.content == plain.content  # the client undid the gzip
    head = anonymous.http.head("/widget/townhall.css")
    assert head.status_code == 200 and head.content == b""
    etag = plain.headers["etag"]
    again = anonymous.http.get("/widget/townhall.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert anonymous.http.get("/widget/other.js").status_code == 404
