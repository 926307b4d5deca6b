"""Browser tests: the console in a real headless Chromium against a live server on SQLite and
PostgreSQL."""

from tests.support.browser import browser, page, screenshot, screenshot_dir
from tests.support.live_server import live_server
from tests.support.server import (
    _postgres,
    _sqlite_template,
    app,
    client,
    database_url,
    factory,
    settings_overrides,
)

__all__ = [
    "_postgres",
    "_sqlite_template",
    "app",
    "browser",
    "client",
    "database_url",
    "factory",
    "live_server",
    "page",
    "screenshot",
    "screenshot_dir",
    "settings_overrides",
]


import pytest  # noqa: E402

from tests.support.console_data import seed  # noqa: E402


@pytest.fixture
def seeded(client, factory):
    return seed(client, factory.admin_token)
