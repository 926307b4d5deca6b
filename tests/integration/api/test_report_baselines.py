"""Every report result gets a baseline: the threshold's when one judged it, else the previous value
of the same benchmark and measure on the report's head and testbed (a pull request's first run
compares with its start point), so deltas show without any threshold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.server import auth, run_body

START = datetime(2024, 7, 1, tzinfo=UTC)


class Runs:
    """Local runs of benchmarks at increasing times."""

    def __init__(self, client, token):
        self.client, self.token, self.minute = client, token, 0

    def post(self, values: dict[str, float], branch: str = "main", **extra) -> dict:
        self.minute += 1
        when = START + timedelta(minutes=self.minute)
        bmf = {name: {"latency": {"value": value}} for name, value in values.items()}
        body = run_body("demo", [json.dumps(bmf)], branch=branch)
        body.update(start_time=when.isoformat(), end_time=when.isoformat(), **extra)
        response = self.client.post("/v0/run", json=body, headers=auth(self.token))
        assert response.status_code == 201, response.json
        return response.json


@pytest.fixture
def runs(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return Runs(client, factory.admin_token)


def _baselines(report: dict) -> dict[str, tuple]:
    return {r["benchmark"]: (r["baseline"], r["baseline_source"]) for r in report["results"]}


def test_without_threshold_the_baseline_is_the_previous_value(runs, client):
    first = runs.post({"a": 100.0})
    assert _baselines(first) == {"a": (None, None)}
    runs.post({"a": 110.0})
    third = runs.post({"a": 121.0, "new": 5.0})
    assert _baselines(third) == {"a": (110.0, "previous"), "new": (None, None)}
    # Read again later, after newer runs: the report's own past, not the latest value.
    runs.post({"a": 500.0})
    fetched = client.get(f"/v0/projects/demo/reports/{third['uuid']}").json
    assert _baselines(fetched) == _baselines(third)


def test_a_pull_requests_first_run_compares_with_its_start_point(runs):
    runs.post({"a": 100.0}, hash="1" * 40)
    runs.post({"a": 104.0}, hash="2" * 40)
    runs.post({"a": 200.0}, hash="3" * 40)  # the base moved on after the PR's fork point
    fork_point = {"branch": "main", "hash": "2" * 40}
    pr = runs.post({"a": 99.0}, branch="feature", start_point=fork_point)
    assert _baselines(pr) == {"a": (104.0, "previous")}
    again = runs.post({"a": 98.0}, branch="feature", start_point=fork_point)
    assert _baselines(again) == {"a": (99.0, "previous")}


def test_other_testbeds_and_branches_without_start_point_are_not_a_baseline(runs):
    runs.post({"a": 100.0}, testbed="arm")
    runs.post({"a": 100.0}, branch="other")
    assert _baselines(runs.post({"a": 100.0})) == {"a": (None, None)}


def test_a_threshold_baseline_wins_and_static_models_fall_back_to_the_previous_value(runs):
    t_test = {"latency": {"test": "t_test", "upper_boundary": 0.99, "min_sample_size": 2}}
    for value in (100.0, 102.0, 98.0):
        judged = runs.post({"a": value}, thresholds=t_test)
    (row,) = judged["results"]
    assert row["baseline_source"] == "threshold" and row["baseline"] == pytest.approx(101.0)
    assert row["threshold_uuid"] is not None
    static = {"latency": {"test": "static", "upper_boundary": 150.0}}
    runs.post({"b": 10.0}, thresholds=static)
    alerted = runs.post({"b": 200.0}, thresholds=static)
    assert [a["baseline"] for a in alerted["alerts"]] == [10.0]
    assert [a["baseline_source"] for a in alerted["alerts"]] == ["previous"]
    # The same threshold (branch, testbed, measure) with a new model.
    assert alerted["alerts"][0]["threshold_uuid"] == row["threshold_uuid"]
