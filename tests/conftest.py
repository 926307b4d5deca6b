"""Settings every test shares. Server fixtures live in tests/support/server.py and are loaded by
the integration and e2e conftests only: this file imports no server code, so `pytest tests/unit`
starts fast."""

from __future__ import annotations

import os

from tests.support.settings import TEST_REDIS_URL

# Before anything imports celeryconfig: tests, and the processes they start, use their own
# Redis database so they never touch a developer's queue.
os.environ["BENCHER_BROKER_URL"] = TEST_REDIS_URL
