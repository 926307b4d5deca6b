"""A real headless Chromium for the console's browser tests, driven by Playwright.

Playwright drives the Chromium that ``scripts/setup-machine`` installs from Debian
(``BENCHER_TEST_CHROMIUM``); it never downloads a browser of its own. Screenshots go to
``BENCHER_TEST_SCREENSHOTS`` (default: a pytest temporary directory) so CI can keep them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.settings import CHROMIUM, SCREENSHOTS

#: Every wait in a browser test is for an event (a selector, a URL), bounded by this.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/setup-machine (or set "
                    "BENCHER_TEST_CHROMIUM)")  # fmt: skip
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs the tests as root, where Chromium's own sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    one = context.new_page()
    errors: list[str] = []
    one.on("pageerror", lambda err: errors.append(str(err)))
    yield one
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(page, screenshot_dir, request):
    """``screenshot(name)`` saves the page as ``<name>-<database>.png``."""
    database = request.node.callspec.params.get("database_url", "db")

    def save(name: str) -> Path:
        path = screenshot_dir / f"{name}-{database}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
