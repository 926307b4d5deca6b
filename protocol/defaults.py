"""Defaults the server, the CLI and runners must agree on."""

API_PREFIX = "/v0"
DEFAULT_PORT = 6610
DEFAULT_HOST = f"http://localhost:{DEFAULT_PORT}"
#: Seconds a runner's claim long-poll waits for a job before the server answers 204.
DEFAULT_POLL_TIMEOUT = 55
MAX_POLL_TIMEOUT = 900
#: Seconds between a runner's heartbeats; the server's heartbeat timeout must be well above it.
HEARTBEAT_INTERVAL = 5.0
#: The longest ``bencher run`` waits between two polls of a job it follows; ``bencher server up``
#: keeps its API this long after its runner canceled a job at shutdown, so the CLI sees it.
JOB_POLL_MAX_INTERVAL = 3.0
#: The longest the server holds ``GET .../jobs/{job}?wait=`` waiting for the status to change.
MAX_JOB_WAIT = 60
#: The longest one ``GET .../jobs/{job}/logs?follow=true`` stream lasts; a client that wants
#: more reconnects with ``?after=<last seq>``.
MAX_LOG_FOLLOW = 600
