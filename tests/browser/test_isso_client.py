"""Isso's own client (embed.min.js from the isso package on PyPI) against Townhall (#6).

The script is fetched in the set-up with pip into a cache outside the repository and never
committed; without network or pip the story is skipped, saying why.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ISSO_VERSION = "0.14.0"
CACHE = Path(os.environ.get("TOWNHALL_TEST_CACHE", Path.home() / ".cache" / "townhall-tests"))
MEMBER = "isso/js/embed.min.js"


def isso_embed_script() -> bytes:
    """embed.min.js out of the isso package (sdist or wheel), downloaded once per machine."""
    folder = CACHE / f"isso-{ISSO_VERSION}"
    script = folder / "embed.min.js"
    if script.exists():
        return script.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    download = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                f"isso=={ISSO_VERSION}", "-d", str(folder)]  # fmt: skip
    done = subprocess.run(download, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    archives = sorted(folder.glob("isso-*"))
    if done.returncode != 0 or not archives:
        pytest.skip(f"could not download isso {ISSO_VERSION} with pip: {done.stderr[-300:]}")
    archive = archives[0]
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            data = wheel.read(MEMBER)
    else:
        with tarfile.open(archive) as sdist:
            member = next(m for m in sdist.getmembers() if m.name.endswith("/" + MEMBER))
            extracted = sdist.extractfile(member)
            assert extracted is not None
            data = extracted.read()
    script.write_bytes(data)
    return data


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def host_site(tmp_path_factory, get_free_port):
    """A blog on another port of 127.0.0.1 (another origin, the same site for cookies)."""
    root = tmp_path_factory.mktemp("isso-host")
    (root / "embed.min.js").write_bytes(isso_embed_script())
    port = get_free_port()
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"root": root, "origin": f"http://127.0.0.1:{port}"}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server_env(host_site):
    return {"TOWNHALL_SITE_ORIGINS": host_site["origin"], "TOWNHALL_RATE_LIMITS_ENABLED": "0"}


def test_isso_client_posts_edits_likes_and_deletes(townhall, host_site, new_page):
    (host_site["root"] / "post").mkdir()
    (host_site["root"] / "post" / "index.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>A blog post</title>"
        "</head><body><h1>A blog post</h1><p>Words.</p>"
        f'<script data-isso="{townhall.url}/isso/" src="/embed.min.js"></script>'
        '<section id="isso-thread" data-title="A blog post"></section></body></html>'
    )
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{host_site['origin']}/post/")
    thread = page.locator("#isso-thread")
    expect(thread.locator("h4.isso-thread-heading")).to_have_text("No Comments Yet")

    postbox = thread.locator(".isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill("Hello from *Isso's* own client.")
    postbox.locator("input[name=author]").fill("Mira")
    postbox.locator("input[name=email]").fill("mira@example.org")
    postbox.locator("input[type=submit]").click()

    comment = thread.locator("#isso-root .isso-comment").first
    expect(comment.locator(".isso-text")).to_contain_text("Hello from Isso's own client.")
    expect(comment.locator(".isso-text em")).to_have_text("Isso's")
    expect(comment.locator(".isso-author")).to_have_text("Mira")

    # Reloaded, the thread comes from Townhall, and the page still knows it is Mira's.
    page.reload()
    comment = thread.locator("#isso-root .isso-comment").first
    expect(comment.locator(".isso-text")).to_contain_text("Hello from Isso's own client.")
    expect(thread.locator("h4.isso-thread-heading")).to_have_text("One Comment")

    footer = comment.locator(".isso-comment-footer").first
    footer.locator("a.isso-edit").click()
    editor = comment.locator(".isso-text-wrapper textarea.isso-textarea").first
    expect(editor).to_have_value("Hello from *Isso's* own client.")
    editor.fill("Edited through Isso's client.")
    footer.locator("a.isso-edit").click()
    expect(comment.locator(".isso-text").first).to_have_text("Edited through Isso's client.")

    footer.locator("a.isso-upvote").click()
    expect(footer.locator(".isso-votes")).to_have_text("1")

    # Another reader sees the edited comment and its like, and cannot edit it.
    other = new_page()
    other.goto(f"{host_site['origin']}/post/")
    theirs = other.locator("#isso-root .isso-comment").first
    expect(theirs.locator(".isso-text")).to_have_text("Edited through Isso's client.")
    expect(theirs.locator(".isso-votes")).to_have_text("1")
    expect(theirs.locator("a.isso-edit")).to_have_count(0)

    footer.locator("a.isso-delete").click()  # "Confirm"
    footer.locator("a.isso-delete").click()
    expect(thread.locator("#isso-root .isso-comment")).to_have_count(0)
    page.reload()
    expect(thread.locator("h4.isso-thread-heading")).to_have_text("No Comments Yet")
    assert errors == []
