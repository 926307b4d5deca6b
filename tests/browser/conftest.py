"""Browser tests: the console in a real headless Chromium against a live server on SQLite and
PostgreSQL."""

import pytest

from tests.support.browser import browser, page, screenshot, screenshot_dir
from tests.support.console_data import seed
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
    "seeded",
    "settings_overrides",
]


@pytest.fixture
def seeded(client, factory):
    """The history of :mod:`tests.support.console_data`, made through the API."""
    return seed(client, factory.admin_token)
