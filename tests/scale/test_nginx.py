"""docs/deployment.md's nginx example, run on loopback in front of two nodes (#4).

The configuration is read from the documentation itself, not copied: only what ties it to a
machine (the nodes' addresses, the TLS listener, the cache folder) is replaced, and each
replacement must find its line, so the example and this test cannot drift apart unseen.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.scale.sse import EventStream
from tests.support.server import TownhallServer, free_port

NGINX = Path("/usr/sbin/nginx")
DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
ORIGIN = "https://news.example.org"
THREAD = "behind-nginx"


def documented_config() -> str:
    """The ```nginx block of the section "nginx in front"."""
    section = DEPLOYMENT.read_text(encoding="utf-8").split("## nginx in front", 1)[1]
    found = re.search(r"```nginx\n(.*?)```", section, re.DOTALL)
    assert found, "docs/deployment.md: no ```nginx block under '## nginx in front'"
    return found.group(1)


def loopback_config(nodes: tuple[TownhallServer, ...], port: int, folder: Path) -> str:
    config = documented_config()
    replacements = [
        (r"server 10\.0\.0\.11:8001 ", f"server 127.0.0.1:{nodes[0].port} "),
        (r"server 10\.0\.0\.12:8001 ", f"server 127.0.0.1:{nodes[1].port} "),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        (r"proxy_cache_path /var/cache/nginx/townhall ", f"proxy_cache_path {folder}/cache "),
    ]
    for pattern, replacement in replacements:
        config, found = re.subn(pattern, replacement, config)
        assert found == 1, (
            f"docs/deployment.md's nginx example has no line matching {pattern!r} any more;"
            " bring tests/scale/test_nginx.py up to date with it"
        )
    # What a packaged nginx.conf around the example provides, in folders of the test's own.
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the tmp folder
    temp = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log {folder}/access.log;\n{temp}\n{config}}}\n"
    )


@pytest.fixture(scope="module")
def proxy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if not NGINX.exists():
        pytest.skip("nginx is not installed (/usr/sbin/nginx): apt-get install nginx")
    nodes: tuple[TownhallServer, TownhallServer] = request.getfixturevalue("nodes")
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(loopback_config(nodes, port, folder))
    argv = [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    with (folder / "stdout.log").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (nginx, our test config)
            [*argv, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"nginx exited: {(folder / 'error.log').read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not listen within 10 s")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


def _signup(proxy: str) -> dict[str, str]:
    response = httpx.post(
        f"{proxy}/api/v1/auth/signup",
        json={
            "email": f"{uuid.uuid4().hex[:10]}@example.org",
            "password": "correct horse",
            "name": "Behind the proxy",
        },
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}", "Origin": ORIGIN}


def _post(proxy: str, auth: dict[str, str], body: str) -> dict[str, object]:
    # The first comment per node loads the moderation classifier: seconds, not ms.
    response = httpx.post(
        f"{proxy}/api/v1/comments", json={"thread": THREAD, "body": body}, headers=auth, timeout=60
    )
    assert response.status_code == 201, response.text
    posted: dict[str, object] = response.json()
    return posted


def test_a_comment_posted_through_nginx_is_read_back_and_revalidated_through_it(
    proxy: str,
) -> None:
    posted = _post(proxy, _signup(proxy), "Posted through the load balancer.")

    page = httpx.get(f"{proxy}/api/v1/comments", params={"thread": THREAD})
    assert page.status_code == 200, page.text
    assert [c["id"] for c in page.json()["comments"]] == [posted["id"]]
    assert page.headers["cache-control"] == "public, max-age=5"

    again = httpx.get(
        f"{proxy}/api/v1/comments",
        params={"thread": THREAD},
        headers={"If-None-Match": page.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""


def test_live_updates_stream_through_nginx(proxy: str) -> None:
    auth = _signup(proxy)
    stream = EventStream(f"{proxy}/api/v1/threads/events", {"thread": THREAD})
    try:
        stream.next_of("ready")
        # least_conn: the open stream keeps one node busy, so the post usually goes to the
        # other one, and the event crosses nodes through Redis on its way back.
        posted = _post(proxy, auth, "Live, through the proxy.")
        event = stream.next_of("new")
        assert f'"id":{posted["id"]}' in event.data.replace(" ", "")
    finally:
        stream.close()
