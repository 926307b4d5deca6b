"""Migrations 0006 (stored perf rows) and 0007 (perf chunks) fill ``metric_perf`` and the
chunks for the metrics written before them, on SQLite and PostgreSQL, as processing writes
them, so the perf answer is the same byte for byte; and they downgrade."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.services import perf_chunks
from app.services.auth import init_server
from tests.support.database import PostgresDatabase, make_settings
from tests.support.server import auth, run_body

T0 = datetime(2024, 5, 1, tzinfo=UTC)
PERF = ("/v0/projects/demo/perf?branches=main&testbeds=localhost&benchmarks=b1,b2"
        "&measures=latency")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def app_at_head(request, tmp_path):
    postgres = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        postgres = PostgresDatabase(tmp_path)  # built at the newest revision
        url = postgres.url
    application = create_app(make_settings(tmp_path / "data", url))
    with application.app_context():
        if postgres is None:
            upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()
    if postgres is not None:
        postgres.drop()


def _post_runs(client, token: str) -> None:
    """Three reports: one before any threshold, one judged, one that alerts."""
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(token))
    model = {"latency": {"test": "static", "upper_boundary": 50.0}}
    for minute, value, extra in ((0, 10.0, {}), (1, 11.0, {"thresholds": model}),
                                 (2, 90.0, {"hash": "ab" * 20})):  # fmt: skip
        results = {name: {"latency": {"value": value, "lower_value": value - 1}}
                   for name in ("b1", "b2")}  # fmt: skip
        body = run_body("demo", [json.dumps(results)], **extra)
        body["start_time"] = (T0 + timedelta(minutes=minute)).isoformat()
        body["end_time"] = (T0 + timedelta(minutes=minute, seconds=2.5)).isoformat()
        response = client.post("/v0/run", json=body, headers=auth(token))
        assert response.status_code == 201, response.json


def test_upgrade_writes_the_rows_processing_writes(app_at_head):
    client = app_at_head.test_client()
    token = init_server("admin@example.com", "acme", "Acme")
    db.session.commit()
    _post_runs(client, token)
    before = client.get(PERF)
    assert before.status_code == 200 and len(before.json["results"]) == 2
    assert any(m["alert"] for m in before.json["results"][0]["metrics"])
    db.session.remove()
    downgrade(revision="0005")
    with db.engine.connect() as conn:
        assert "metric_perf" not in sa.inspect(conn).get_table_names()
    upgrade()
    with db.engine.connect() as conn:
        counts = [conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("metric", "metric_perf")]  # fmt: skip
        assert counts == [6, 6]
    after = client.get(PERF)
    assert after.status_code == 200
    assert after.data == before.data


CHUNK_COLUMNS = ("head_id", "testbed_id", "benchmark_id", "measure_id", "first_time",
                 "last_time", "last_id", "perf_json", "points")  # fmt: skip


def test_0007_chunks_what_processing_chunked(app_at_head, monkeypatch):
    monkeypatch.setattr(perf_chunks, "CHUNK_ROWS", 2)
    monkeypatch.setattr(perf_chunks, "CHUNKS_PER_INSERT", 1)
    client = app_at_head.test_client()
    token = init_server("admin@example.com", "acme", "Acme")
    db.session.commit()
    _post_runs(client, token)
    before = client.get(PERF)

    def stored() -> tuple[list, list]:
        with db.engine.connect() as conn:
            chunks = conn.execute(sa.text(f"SELECT {', '.join(CHUNK_COLUMNS)} FROM perf_chunk "
                                          "ORDER BY benchmark_id, last_time")).all()  # fmt: skip
            series = conn.execute(sa.text("SELECT * FROM perf_series ORDER BY benchmark_id")).all()
        return chunks, series

    processed = stored()
    assert len(processed[0]) == 2 and [row[-1] for row in processed[1]] == [1, 1]
    db.session.remove()
    downgrade(revision="0006")
    with db.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        assert "perf_chunk" not in tables and "perf_series" not in tables
    upgrade()
    assert stored() == processed
    after = client.get(PERF)
    assert after.status_code == 200 and after.data == before.data
