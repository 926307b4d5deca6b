"""Threshold detection through POST /v0/run: a step change alerts with every model, a flat
series with none; the sample follows branch, testbed, window and size rules."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.server import auth, run_body

MODELS = {
    "static": {"upper_boundary": 150.0},
    "percentage": {"upper_boundary": 0.2},
    "z_score": {"upper_boundary": 0.99},
    "t_test": {"upper_boundary": 0.99},
    "log_normal": {"upper_boundary": 0.99},
    "iqr": {"upper_boundary": 3.0},
    "delta_iqr": {"upper_boundary": 3.0},
}
FLAT = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1]


def _post(client, token, value, when, model=None, branch="main", bench="b"):
    body = run_body("demo", [json.dumps({bench: {"latency": {"value": value}}})], branch=branch)
    body["start_time"] = when.isoformat()
    body["end_time"] = (when + timedelta(seconds=1)).isoformat()
    if model:
        body["thresholds"] = {"latency": model}
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def project(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return factory.admin_token


@pytest.mark.parametrize("test", sorted(MODELS))
def test_step_change_alerts_and_flat_series_does_not(client, project, test):
    model = {"test": test, **MODELS[test]}
    if test != "static":
        model["min_sample_size"] = 4
    start = datetime.now(UTC) - timedelta(hours=1)
    reports = [
        _post(client, project, v, start + timedelta(minutes=i), model) for i, v in enumerate(FLAT)
    ]
    assert all(not r["alerts"] for r in reports)
    assert reports[-1]["results"][0]["upper_limit"] is not None
    jump = _post(client, project, 300.0, start + timedelta(minutes=30), model)
    assert [a["side"] for a in jump["alerts"]] == ["upper"]
    assert jump["results"][0]["alert"]["status"] == "active"
    listed = client.get("/v0/projects/demo/alerts").json
    assert [a["uuid"] for a in listed] == [jump["alerts"][0]["uuid"]]
    dismissed = client.patch(
        f"/v0/projects/demo/alerts/{listed[0]['uuid']}",
        json={"status": "dismissed"},
        headers=auth(project),
    )
    assert dismissed.status_code == 200 and dismissed.json["status"] == "dismissed"


def test_sample_is_limited_to_branch_window_and_size(client, project):
    start = datetime.now(UTC) - timedelta(days=3)
    model = {"test": "percentage", "upper_boundary": 0.1, "max_sample_size": 2, "window": 86400}
    _post(client, project, 1000.0, start, model)  # outside the one-day window
    _post(client, project, 5.0, start + timedelta(days=2, hours=1), model, branch="feature")
    for i, value in enumerate([10.0, 20.0, 30.0]):
        _post(client, project, value, start + timedelta(days=2, hours=2 + i), model)
    judged = _post(client, project, 26.0, start + timedelta(days=2, hours=10), model)
    row = judged["results"][0]
    # newest two on main within the window: 30 and 20 -> baseline 25
    assert row["baseline"] == pytest.approx(25.0)
    assert row["upper_limit"] == pytest.approx(27.5)
    assert judged["alerts"] == []


def test_ignored_benchmarks_never_alert(client, project):
    model = {"test": "static", "upper_boundary": 1.0}
    report = _post(client, project, 50.0, datetime.now(UTC), model, bench="slow_bencher_ignore")
    assert report["results"][0]["benchmark"] == "slow"
    assert report["alerts"] == []


def test_thresholds_api_create_list_patch(client, project):
    body = {"branch": "main", "testbed": "localhost", "measure": "latency", "test": "t_test",
            "upper_boundary": 0.95, "min_sample_size": 3}  # fmt: skip
    created = client.post("/v0/projects/demo/thresholds", json=body, headers=auth(project))
    assert created.status_code == 201, created.json
    again = client.post("/v0/projects/demo/thresholds", json=body, headers=auth(project))
    assert again.status_code == 409
    bad = client.patch(
        f"/v0/projects/demo/thresholds/{created.json['uuid']}",
        json={"test": "t_test", "upper_boundary": 7},
        headers=auth(project),
    )
    assert bad.status_code == 400 and "boundary" in bad.json["message"]
    patched = client.patch(
        f"/v0/projects/demo/thresholds/{created.json['uuid']}",
        json={"test": "z_score", "lower_boundary": 0.9},
        headers=auth(project),
    )
    assert patched.status_code == 200
    listed = client.get("/v0/projects/demo/thresholds").json
    assert [t["model"]["test"] for t in listed] == ["z_score"]
