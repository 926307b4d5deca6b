"""Test databases built by the real migrations, on SQLite and PostgreSQL.

SQLite: migrations run once into a template file, copied for every test.
PostgreSQL: one throw-away database per test session (``BENCHER_TEST_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/test`` is used only to create it), migrated once and
truncated after every test.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Settings
from app.serverctl import upgrade_database
from tests.support.settings import ADMIN_URL, TEST_REDIS_URL


def make_settings(data_dir: Path, database_url: str, **overrides) -> Settings:
    overrides.setdefault("broker_url", TEST_REDIS_URL)
    overrides.setdefault("registries", ("127.0.0.1:5000",))
    return Settings.from_env(data_dir=data_dir, database_url=database_url, **overrides)


def migrate(url: str, data_dir: Path) -> None:
    upgrade_database(create_app(make_settings(data_dir, url)))


def sqlite_template(root: Path) -> Path:
    template = root / "template.db"
    migrate(f"sqlite:///{template}", root)
    return template


def sqlite_copy(template: Path, dest: Path) -> str:
    # The backup API copies a consistent database, WAL contents included.
    with sqlite3.connect(template) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return f"sqlite:///{dest}"


class PostgresDatabase:
    """A fresh PostgreSQL database for one test session, dropped at the end."""

    def __init__(self, data_dir: Path):
        admin = make_url(ADMIN_URL)
        self.name = f"bencher_test_{uuid.uuid4().hex[:10]}"
        self._admin_dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = admin.set(drivername="postgresql+psycopg", database=self.name).render_as_string(
            hide_password=False
        )
        migrate(self.url, data_dir)
        self._engine = create_engine(self.url)

    def truncate(self) -> None:
        with self._engine.begin() as conn:
            tables = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        self._engine.dispose()
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
