"""The Flask application factory (``app:create_app()``) and the SQLite connection settings."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from app.config import Settings
from app.errors import register_error_handlers
from app.extensions import db, migrate, sock
from app.private import private_dir, private_sqlite


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application from ``settings`` (default: the ``BENCHER_*`` environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["BENCHER"] = settings
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings.database_url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.config["SOCK_SERVER_OPTIONS"] = {"max_message_size": settings.max_message_bytes}
    app.config["MAX_CONTENT_LENGTH"] = settings.max_message_bytes
    app.json.sort_keys = False
    private_dir(settings.data_dir)
    if settings.database_url.startswith("sqlite"):
        database = make_url(settings.database_url).database
        if database and database != ":memory:":
            private_sqlite(Path(database))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)
    sock.init_app(app)
    register_error_handlers(app)

    from app import api, console, services, ws

    api.register(app)
    ws.register(app)
    console.register(app)
    services.init_app(app)
    logging.getLogger(__name__).debug("app created with %s", settings.database_url)
    return app


def _migrations_dir() -> str:
    import migrations

    return str(Path(migrations.__file__).parent)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL and a busy timeout so API processes and workers share SQLite."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "before_cursor_execute")
def _text_as_bytes(conn, cursor, statement, parameters, context, executemany) -> None:
    """A statement run with the execution option ``text_as_bytes`` gets PostgreSQL's text
    columns as UTF-8 bytes, undecoded: the perf answer's megabytes of stored rows go to the
    response as bytes, and decoding them to str only to encode them again cost ~15 ms of the
    40,000 rows' answer (``benchmarks/bench_perf.py``). SQLite's cursors still give str."""
    if context is not None and context.execution_options.get("text_as_bytes"):
        adapters = getattr(cursor, "adapters", None)
        if adapters is not None:
            adapters.register_loader("text", _bytes_loader())


@functools.cache
def _bytes_loader():
    # psycopg is imported here, not with the app: a SQLite server never loads it.
    from psycopg.adapt import Loader

    class TextAsBytes(Loader):
        def load(self, data) -> bytes:
            return bytes(data)

    return TextAsBytes
