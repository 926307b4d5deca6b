"""GET/PATCH /v0/projects/{project}/alerts and the alerts of a report: their exact shape, and a
listing whose statement count does not grow with the number of alerts."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.support.server import auth, run_body

STATIC = {"latency": {"test": "static", "upper_boundary": 50.0}}
ALERT_KEYS = ["uuid", "side", "status", "value", "measure", "measure_name", "units",
              "benchmark", "report", "baseline", "lower_limit", "upper_limit", "created",
              "modified"]  # fmt: skip
REPORT_KEYS = ["uuid", "project", "branch", "version", "testbed", "testbed_uuid", "hash", "adapter",
               "settings",
               "warnings", "start_time", "end_time", "status", "created", "job", "job_status",
               "results", "alerts", "false_alerts"]  # fmt: skip
COMMIT = "ab" * 20
RESULT_KEYS = ["iteration", "benchmark", "measure", "measure_name", "units", "value",
               "lower_value", "upper_value", "baseline", "baseline_source", "lower_limit",
               "upper_limit", "p_value", "adjusted_p_value", "alert", "benchmark_uuid",
               "measure_uuid", "threshold_uuid"]  # fmt: skip
REPORT_ALERT_KEYS = ["benchmark", "measure", "measure_name", "value", "baseline", "lower_limit",
                     "upper_limit", "p_value", "adjusted_p_value", "uuid", "side", "status",
                     "baseline_source",
                     "units", "iteration", "benchmark_uuid", "measure_uuid",
                     "threshold_uuid"]  # fmt: skip


@pytest.fixture
def token(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return factory.admin_token


def _regress(client, token, count: int, minutes: int = 0) -> dict:
    """One run of ``count`` fresh benchmarks above the static limit: ``count`` alerts."""
    results = {f"b{minutes}-{i}": {"latency": {"value": 100.0 + i}} for i in range(count)}
    results["fine"] = {"latency": {"value": 10.0, "lower_value": 9.0, "upper_value": 11.0}}
    body = run_body("demo", [json.dumps(results)], thresholds=STATIC, hash=COMMIT)
    when = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    body["start_time"] = when.isoformat()
    body["end_time"] = (when + timedelta(seconds=1)).isoformat()
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return response.json


def test_report_shape_with_results_boundaries_and_alerts(client, token):
    report = _regress(client, token, 1)
    assert list(report) == REPORT_KEYS
    assert report["hash"] == COMMIT and report["settings"] == {"adapter": "json"}
    assert report["version"] == {"number": 1, "hash": COMMIT} and report["warnings"] == []
    branch = report["branch"]
    assert (branch["name"], branch["slug"], branch["archived"]) == ("main", "main", None)
    assert branch["head"]["version"] == {"number": 1, "hash": COMMIT}
    assert branch["head"]["start_point"] is None and branch["head"]["replaced"] is None
    assert report["start_time"] == "2024-05-01T00:00:00+00:00"
    assert report["job"] is None and report["job_status"] is None
    alerted, fine = report["results"]
    assert list(alerted) == RESULT_KEYS
    assert (alerted["benchmark"], alerted["value"], alerted["upper_limit"]) == ("b0-0", 100.0, 50.0)
    assert (alerted["measure"], alerted["measure_name"]) == ("latency", "Latency")
    assert alerted["alert"] == {"uuid": report["alerts"][0]["uuid"], "side": "upper",
                                "status": "active"}  # fmt: skip
    assert fine["alert"] is None
    assert (fine["lower_value"], fine["upper_value"], fine["baseline"]) == (9.0, 11.0, None)
    # A static model has no probability: no p-value, no estimate of chance alerts.
    assert (alerted["p_value"], alerted["adjusted_p_value"]) == (None, None)
    assert report["false_alerts"] == {"expected": None, "boundaries": 2, "without_estimate": 2}
    assert [list(a) for a in report["alerts"]] == [REPORT_ALERT_KEYS]
    assert report["alerts"][0]["benchmark"] == "b0-0"
    fetched = client.get(f"/v0/projects/demo/reports/{report['uuid']}").json
    assert fetched == report


def test_alert_shape_list_and_patch(client, token):
    report = _regress(client, token, 2)
    listed = client.get("/v0/projects/demo/alerts").json
    assert [list(a) for a in listed] == [ALERT_KEYS, ALERT_KEYS]
    assert {a["uuid"] for a in listed} == {a["uuid"] for a in report["alerts"]}
    first = listed[0]
    assert (first["side"], first["measure"], first["upper_limit"]) == ("upper", "latency", 50.0)
    assert (first["measure_name"], first["units"]) == ("Latency", "nanoseconds (ns)")
    assert first["benchmark"] in ("b0-0", "b0-1") and first["report"] == report["uuid"]
    fetched = client.get(f"/v0/projects/demo/alerts/{first['uuid'][:8]}")
    assert fetched.status_code == 200 and fetched.json == first
    assert first["baseline"] is None and first["lower_limit"] is None
    assert first["value"] in (100.0, 101.0)
    patched = client.patch(
        f"/v0/projects/demo/alerts/{first['uuid']}",
        json={"status": "silenced"},
        headers=auth(token),
    )
    assert patched.status_code == 200
    assert list(patched.json) == ALERT_KEYS
    assert {**patched.json, "modified": None} == {**first, "status": "silenced", "modified": None}
    assert patched.json["modified"] >= first["modified"]
    silenced = client.get("/v0/projects/demo/alerts?status=silenced").json
    assert silenced == [patched.json]
    refetched = client.get(f"/v0/projects/demo/reports/{report['uuid']}").json
    assert {a["uuid"]: a["status"] for a in refetched["alerts"]}[first["uuid"]] == "silenced"


def test_alert_errors(client, token):
    _regress(client, token, 1)
    unknown = client.patch(
        "/v0/projects/demo/alerts/nope", json={"status": "active"}, headers=auth(token)
    )
    assert unknown.status_code == 404 and unknown.json["error"] == "not_found"
    assert client.get("/v0/projects/demo/alerts/nope").status_code == 404
    uuid = client.get("/v0/projects/demo/alerts").json[0]["uuid"]
    bad = client.patch(
        f"/v0/projects/demo/alerts/{uuid}", json={"status": "gone"}, headers=auth(token)
    )
    assert bad.status_code == 400 and "status" in bad.json["fields"]
    assert client.get("/v0/projects/demo/alerts?status=gone").status_code == 400
    anonymous = client.patch(f"/v0/projects/demo/alerts/{uuid}", json={"status": "active"})
    assert anonymous.status_code == 401


def test_listing_takes_the_same_statements_for_any_number_of_alerts(client, token):
    statements = []

    def count(*_args):
        statements.append(1)

    def listing_statements() -> tuple[int, int]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            listed = client.get("/v0/projects/demo/alerts?per_page=500").json
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(listed), len(statements)

    _regress(client, token, 2)
    few, few_statements = listing_statements()
    _regress(client, token, 20, minutes=1)
    many, many_statements = listing_statements()
    assert (few, many) == (2, 22)
    assert many_statements == few_statements
