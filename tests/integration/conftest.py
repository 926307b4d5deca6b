"""Integration tests: the server fixtures (SQLite and PostgreSQL), a live server, a registry."""

from tests.support.live_server import live_server
from tests.support.registry import registry
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
    "client",
    "database_url",
    "factory",
    "live_server",
    "registry",
    "settings_overrides",
]
