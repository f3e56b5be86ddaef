"""A minimal EventSource for tests: reads a stream in a thread, queues parsed events."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    id: str | None
    event: str
    data: str


class EventStream:
    def __init__(self, url: str, params: dict[str, str], last_event_id: str | None = None):
        self.events: queue.Queue[Event] = queue.Queue()
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))
        self._request = self._client.build_request("GET", url, params=params, headers=headers)
        self._response: httpx.Response | None = None
        self._open = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._open.wait(5), "the event stream did not open"

    def _run(self) -> None:
        try:
            self._response = self._client.send(self._request, stream=True)
            self._open.set()
            fields: dict[str, Any] = {}
            for line in self._response.iter_lines():
                if not line:
                    if "data" in fields:
                        self.events.put(
                            Event(fields.get("id"), fields.get("event", "message"), fields["data"])
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        except (httpx.HTTPError, RuntimeError, ValueError):
            pass  # closed by the test

    def next(self, timeout: float = 5.0) -> Event:
        return self.events.get(timeout=timeout)

    def next_of(self, event: str, timeout: float = 5.0) -> Event:
        while True:
            found = self.next(timeout)
            if found.event == event:
                return found

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
        self._client.close()
        self._thread.join(timeout=2)
