"""Server fixtures for integration and e2e tests: an app on SQLite and on PostgreSQL, a client,
test data factories, and request helpers. Imported by those folders' conftests, never by the
root one, so unit tests start without loading the server stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.extensions import db
from app.models import Organization, User
from app.services.auth import init_server, issue_api_token
from tests.support.database import PostgresDatabase, make_settings, sqlite_copy, sqlite_template


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres(tmp_path_factory):
    database = PostgresDatabase(tmp_path_factory.mktemp("pg"))
    yield database
    database.drop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """Every test using this runs twice: on SQLite and on PostgreSQL, each built by migrations."""
    if request.param == "sqlite":
        yield sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path / "test.db")
    else:
        postgres = request.getfixturevalue("_postgres")
        postgres.truncate()  # before, not after: module-scoped e2e fixtures share this database
        yield postgres.url


@pytest.fixture
def settings_overrides() -> dict:
    """Override in a test module to change server settings."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, settings_overrides):
    application = create_app(make_settings(tmp_path / "data", database_url, **settings_overrides))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Creates organisations, users and tokens, committing so the API sees them."""

    def __init__(self, app):
        self.app = app
        self.admin_token = init_server("admin@example.com", "acme", "Acme")
        db.session.commit()

    def user(self, email: str, org_slug: str, plan: str = "free") -> tuple[User, str]:
        org = db.session.query(Organization).filter_by(slug=org_slug).one_or_none()
        if org is None:
            org = Organization(slug=org_slug, name=org_slug, plan=plan)
            db.session.add(org)
        user = User(organization=org, email=email, name=email)
        db.session.add(user)
        db.session.flush()
        token = issue_api_token(user, "test")
        db.session.commit()
        return user, token


@pytest.fixture
def factory(app):
    return Factory(app)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def run_body(project: str, results: list[str] | None = None, **extra) -> dict:
    now = datetime.now(UTC)
    body = {
        "project": project,
        "branch": "main",
        "testbed": "localhost",
        "start_time": (now - timedelta(seconds=5)).isoformat(),
        "end_time": now.isoformat(),
        "results": results if results is not None else [],
        "settings": {"adapter": "json"},
    }
    body.update(extra)
    return body
