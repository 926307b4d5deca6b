"""Follow a job's live log: read the server's Server-Sent Events and hand each batch on.

The stream ends when the job stops running (an ``end`` event); one that ends early (the
server's time cap, a dropped connection) is reopened from the last batch seen, with backoff,
within an overall time bound, so nothing is shown twice and nothing is skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import requests

from cli.backoff import polling_schedule
from cli.client import Client, ClientError

#: How long :func:`follow` keeps reopening a stream that ends without an ``end`` event.
FOLLOW_LIMIT = 24 * 3600.0


def parse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict]]:
    """``(event, data)`` pairs from Server-Sent Events lines (blank line = end of an event)."""
    kind, data = "message", []
    for line in lines:
        if line == "":
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith("event:"):
            kind = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())


def follow(
    client: Client,
    project: str,
    job: str,
    on_chunk: Callable[[dict], None],
    *,
    limit: float = FOLLOW_LIMIT,
    sleep: Callable[[float], None] = time.sleep,
) -> dict | None:
    """Call ``on_chunk`` for every log batch of ``job`` until it stops running; the ``end``
    event's data (``status``), or None when ``limit`` seconds passed first."""
    after, deadline = 0, time.monotonic() + limit
    delays = polling_schedule()
    while time.monotonic() < deadline:
        try:
            response = client.open_log_stream(project, job, after)
        except ClientError as err:
            if getattr(err, "status", 500) < 500:
                raise
            sleep(delays.next_delay())
            continue
        try:
            with response:
                lines = response.iter_lines(decode_unicode=True)
                for kind, data in parse_events(lines):
                    if kind == "log" and data["seq"] > after:
                        after = data["seq"]
                        on_chunk(data)
                        delays.reset()
                    elif kind == "end":
                        if not data.get("timeout"):
                            return data
                        after = max(after, data.get("log_seq", after))
        except requests.RequestException:
            sleep(delays.next_delay())
    return None
