"""metric_history: one measure's values per benchmark on a branch's head and a testbed,
newest first, within a time range and a per-benchmark limit (the LATERAL query on PostgreSQL,
the ranked one on SQLite)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import models
from app.extensions import db
from app.models import Benchmark, Branch, Measure, Report
from app.services.history import metric_history
from tests.support.server import auth, run_body

START = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def post(client, factory):
    """Post one local run of ``{benchmark: latency}`` at ``START + minutes``; its report id."""
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))

    def _post(minutes: int, values: dict[str, float], branch="main", testbed="localhost") -> int:
        when = START + timedelta(minutes=minutes)
        document = json.dumps({name: {"latency": {"value": v}} for name, v in values.items()})
        body = run_body("demo", [document], branch=branch, testbed=testbed)
        body["start_time"], body["end_time"] = when.isoformat(), when.isoformat()
        response = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
        assert response.status_code == 201, response.json
        return db.session.scalar(select(Report.id).where(Report.uuid == response.json["uuid"]))

    return _post


def _ids(model, *slugs_or_names):
    column = model.name if model is Benchmark else model.slug
    found = dict(
        db.session.execute(select(column, model.id).where(column.in_(slugs_or_names))).all()
    )
    return [found[s] for s in slugs_or_names]


def _history(benchmarks, **kwargs):
    # models.Testbed, not an imported name: pytest would try to collect a class named Test*.
    (branch,), (testbed,) = _ids(Branch, "main"), _ids(models.Testbed, "localhost")
    (measure,) = _ids(Measure, "latency")
    kwargs.setdefault("until", START + timedelta(days=1))
    found = metric_history(
        _ids(Benchmark, *benchmarks),
        head_id=db.session.get(Branch, branch).head_id,
        testbed_id=testbed,
        measure_id=measure,
        **kwargs,
    )
    by_name = dict(zip(_ids(Benchmark, *benchmarks), benchmarks, strict=True))
    return {by_name[benchmark_id]: values for benchmark_id, values in found.items()}


def test_newest_first_per_benchmark_on_one_branch_and_testbed(post):
    post(0, {"a": 1.0, "b": 10.0})
    post(2, {"a": 3.0})
    post(1, {"a": 2.0, "b": 20.0})
    post(3, {"a": 99.0, "b": 99.0}, branch="feature")
    post(4, {"a": 98.0, "b": 98.0}, testbed="other")
    post(5, {"c": 5.0})
    assert _history(["a", "b"]) == {"a": [3.0, 2.0, 1.0], "b": [20.0, 10.0]}
    assert _history(["a", "b"], limit=2) == {"a": [3.0, 2.0], "b": [20.0, 10.0]}
    assert _history(["a", "b"], limit=1) == {"a": [3.0], "b": [20.0]}


def test_time_range_and_excluded_report(post):
    post(0, {"a": 1.0})
    middle = post(10, {"a": 2.0})
    post(20, {"a": 3.0})
    post(30, {"a": 4.0})
    assert _history(["a"], until=START + timedelta(minutes=20)) == {"a": [3.0, 2.0, 1.0]}
    assert _history(
        ["a"], since=START + timedelta(minutes=10), until=START + timedelta(minutes=20)
    ) == {"a": [3.0, 2.0]}
    assert _history(["a"], exclude_report_id=middle) == {"a": [4.0, 3.0, 1.0]}
    assert _history(["a"], until=START - timedelta(minutes=1)) == {}
