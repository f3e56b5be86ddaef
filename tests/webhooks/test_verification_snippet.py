"""The verification snippet in docs/webhooks.md, run as published: it accepts a real
delivery and refuses the same delivery tampered with or too old."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from tests.conftest import Reader
from tests.webhooks.conftest import Receiver, add_hook

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
HEADING = "## Verifying a delivery"


def documented_verify() -> Any:
    """The first ```python block under the heading, executed; its `verify` function."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(HEADING) :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, f"no python block under {HEADING!r} in {DOC.name}"
    snippet = found.group(1)
    assert len(snippet.splitlines()) <= 20, "the snippet should stay short"
    namespace: dict[str, Any] = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_snippet_accepts_a_delivery_and_refuses_tampered_or_stale_ones(
    admin: Reader, make_reader: Any, receiver: Receiver
) -> None:
    verify = documented_verify()
    hook = add_hook(admin, receiver.url, ["comment.created"])
    make_reader("Ana").post("Signed, sealed, delivered.")
    (delivery,) = receiver.wait_for(1)
    header = delivery.headers["Townhall-Signature"]

    assert verify(hook["secret"], delivery.body, header)
    tampered = delivery.body.replace(b"Signed, sealed", b"Forged, sealed")
    assert json.loads(tampered)["comment"]["body"] == "Forged, sealed, delivered."
    assert not verify(hook["secret"], tampered, header)
    assert not verify("whsec_" + "x" * 43, delivery.body, header)
    stale = time.time() + 301
    assert not verify(hook["secret"], delivery.body, header, now=stale)
    assert not verify(hook["secret"], delivery.body, "v1=" + header.split("v1=")[1])
