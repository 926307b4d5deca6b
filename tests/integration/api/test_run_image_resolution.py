"""POST /v0/run asks the registry with no write transaction open, so a slow registry blocks no
other writer; a registry redirecting elsewhere is refused without contacting the target."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support.http_stub import http_stub
from tests.support.runner_api import setup_project
from tests.support.server import auth, run_body

DIGEST = "sha256:" + "b" * 64
MANIFEST = "/v2/acme/bench/manifests/v1"


@pytest.fixture
def stub():
    with http_stub() as server:
        yield server


@pytest.fixture
def settings_overrides(stub):
    return {"registries": (stub.host,)}


def _writers_blocked(database_url: str) -> bool:
    """Whether another connection could write right now (SQLite) or a transaction other than
    the caller's has written without committing (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        writing = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    return writing > 0


def _submit(client, token, host):
    body = run_body("demo", job={"image": f"{host}/acme/bench:v1"})
    return client.post("/v0/run", json=body, headers=auth(token))


def test_the_registry_is_asked_before_the_write_transaction(client, factory, stub, database_url):
    setup_project(client, factory.admin_token)
    blocked = []

    def head(handler):
        blocked.append(_writers_blocked(database_url))
        return 200, {"Docker-Content-Digest": DIGEST}, b""

    stub.routes[("HEAD", MANIFEST)] = head
    response = _submit(client, factory.admin_token, stub.host)
    assert response.status_code == 201, response.json
    assert blocked == [False]


def test_a_registry_redirecting_elsewhere_is_a_400(client, factory, stub):
    setup_project(client, factory.admin_token)
    with http_stub() as internal:
        internal.routes[("HEAD", MANIFEST)] = lambda h: (
            200,
            {"Docker-Content-Digest": DIGEST},
            b"",
        )
        stub.routes[("HEAD", MANIFEST)] = lambda h: (
            307,
            {"Location": internal.url + MANIFEST},
            b"",
        )
        response = _submit(client, factory.admin_token, stub.host)
    assert response.status_code == 400
    assert "which is not an allowed host" in response.json["message"]
    assert internal.seen == []
