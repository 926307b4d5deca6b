"""Where the tests find PostgreSQL and Redis (standard library only: the root conftest reads it)."""

from __future__ import annotations

import os

ADMIN_URL = os.environ.get("BENCHER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("BENCHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: Browser tests: the installed Chromium they drive (Debian's; Playwright downloads none).
CHROMIUM = os.environ.get("BENCHER_TEST_CHROMIUM", "/usr/bin/chromium")
#: Browser tests save screenshots of the pages here (default: a pytest temporary directory).
SCREENSHOTS = os.environ.get("BENCHER_TEST_SCREENSHOTS", "")
