"""Migration 0002 (branch heads and versions) upgrades a 0001 database with data, on SQLite and
PostgreSQL, losing no report, metric, threshold or alert; and it downgrades again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.support.database import PostgresDatabase, make_settings

T0 = datetime(2024, 1, 1, tzinfo=UTC)
# (branch, hash) per report, in start-time order; a repeated hash on a branch is one version.
REPORTS = [("main", "a" * 40), ("main", "b" * 40), ("main", "b" * 40), ("main", None),
           ("feature", "c" * 40), ("feature", None)]  # fmt: skip
COUNTED = ("report", "report_benchmark", "metric", "threshold", "model", "boundary", "alert")


@pytest.fixture(params=["sqlite", "postgres"])
def app_at_0001(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        postgres = None
    else:
        postgres = PostgresDatabase(tmp_path)  # built at the newest revision...
        url = postgres.url
    application = create_app(make_settings(tmp_path / "data", url))
    with application.app_context():
        if postgres is None:
            upgrade(revision="0001")
        else:
            downgrade(revision="0001")  # ... so this also runs 0002's downgrade
        yield application
        db.session.remove()
        db.engine.dispose()
    if postgres is not None:
        postgres.drop()


def _fill(conn) -> None:
    """Data as a 0001 server wrote it: two branches, reports with metrics, a threshold, an
    alert on one boundary."""
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables

    def add(table: str, **values) -> int:
        add.count += 1
        if "uuid" in t[table].c:
            values.setdefault("uuid", f"{table}-{add.count}")
        if "created" in t[table].c:
            values.setdefault("created", T0)
        return conn.execute(t[table].insert().values(**values).returning(t[table].c.id)).scalar()

    add.count = 0
    org = add("organization", slug="acme", name="Acme", plan="free")
    project = add("project", organization_id=org, slug="demo", name="demo", visibility="public")
    branches = {n: add("branch", project_id=project, slug=n, name=n) for n in ("main", "feature")}
    testbed = add("testbed", project_id=project, slug="localhost", name="localhost")
    measure = add("measure", project_id=project, slug="latency", name="Latency", units="ns")
    bench = add("benchmark", project_id=project, slug="b", name="b")
    threshold = add("threshold", project_id=project, branch_id=branches["main"],
                    testbed_id=testbed, measure_id=measure, modified=T0)  # fmt: skip
    model = add("model", threshold_id=threshold, test="static", upper_boundary=150.0)
    conn.execute(t["threshold"].update().values(model_id=model))
    for i, (branch, commit) in enumerate(REPORTS):
        when = T0 + timedelta(minutes=i)
        report = add("report", project_id=project, branch_id=branches[branch], testbed_id=testbed,
                     hash=commit, adapter="json", settings={}, start_time=when, end_time=when,
                     status="processed")  # fmt: skip
        rb = add("report_benchmark", report_id=report, benchmark_id=bench, iteration=0,
                 branch_id=branches[branch], testbed_id=testbed, start_time=when)  # fmt: skip
        metric = add("metric", report_benchmark_id=rb, measure_id=measure, value=100.0 + i)
        if branch == "main":
            boundary = add("boundary", metric_id=metric, threshold_id=threshold, model_id=model,
                           upper_limit=150.0)  # fmt: skip
            if i == 1:
                add("alert", boundary_id=boundary, side="upper", status="active", modified=T0)


def _counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() for name in COUNTED
    }


def test_upgrade_keeps_everything_and_files_reports_under_heads(app_at_0001):
    with db.engine.begin() as conn:
        _fill(conn)
        before = _counts(conn)
    upgrade()
    with db.engine.connect() as conn:
        assert _counts(conn) == before
        rows = conn.execute(
            sa.text(
                "SELECT b.slug, r.hash, v.number, v.hash, r.head_id = b.head_id, rb.version_id "
                "= r.version_id FROM report r JOIN branch b ON b.id = r.branch_id "
                "JOIN version v ON v.id = r.version_id "
                "JOIN report_benchmark rb ON rb.report_id = r.id ORDER BY r.start_time"
            )
        ).all()
        assert [(slug, number) for slug, _, number, *_ in rows] == [
            ("main", 1), ("main", 2), ("main", 2), ("main", 3), ("feature", 1), ("feature", 2),
        ]  # fmt: skip
        assert all(report_hash == version_hash for _, report_hash, _, version_hash, *_ in rows)
        assert all(on_head and same for *_, on_head, same in rows)
        heads = conn.execute(sa.text("SELECT count(*) FROM head")).scalar()
        links = conn.execute(sa.text("SELECT count(*) FROM head_version")).scalar()
        assert (heads, links) == (2, 5)
        assert conn.execute(sa.text("SELECT status FROM alert")).scalar() == "active"
    downgrade(revision="0001")
    with db.engine.connect() as conn:
        assert _counts(conn) == before
        assert "head" not in sa.inspect(conn).get_table_names()
