"""``bencher perf`` and ``bencher alert list|view|dismiss`` against the live API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cli import exit_codes
from tests.support.server import auth, run_body

T0 = datetime(2024, 5, 1, tzinfo=UTC)
STATIC = {"latency": {"test": "static", "upper_boundary": 50.0}}
SELECTION = ("--branches", "main", "--testbeds", "localhost", "--measures", "latency")


@pytest.fixture
def history(client, factory, project) -> list[dict]:
    """Three runs of b1 and b2 on main; b1's third value (80) crosses the static limit."""
    reports = []
    for minute, value in enumerate([10.0, 12.0, 80.0]):
        results = {"b1": {"latency": {"value": value}}, "b2": {"latency": {"value": 5.0}}}
        body = run_body(project, [json.dumps(results)], thresholds=STATIC)
        when = T0 + timedelta(minutes=minute)
        body["start_time"], body["end_time"] = when.isoformat(), when.isoformat()
        response = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
        assert response.status_code == 201, response.json
        reports.append(response.json)
    return reports


def test_perf_table_and_json(bencher, history):
    result = bencher("perf", *SELECTION, "--benchmarks", "b1", "--benchmarks", "b2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["Benchmark", "Measure", "Branch", "Testbed"]
    body = [line.split() for line in lines[2:]]
    assert {" ".join(row[1:3]) for row in body} == {"Latency (ns)"}  # the name, not the slug
    assert [(row[0], row[8]) for row in body] == [  # the start time is two words
        ("b1", "10"),
        ("b1", "12"),
        ("b1", "80"),
        ("b2", "5"),
        ("b2", "5"),
        ("b2", "5"),
    ]
    assert lines[2 + 2].endswith("upper (active)") and lines[2].rstrip().endswith("-")
    assert "2024-05-01 00:02:00" in lines[4]
    as_json = bencher("perf", *SELECTION, "--benchmarks", "b1,b2", "--format", "json")
    document = json.loads(as_json.stdout)
    assert [s["benchmark"]["name"] for s in document["results"]] == ["b1", "b2"]
    assert document["results"][0]["metrics"][2]["report"] == history[2]["uuid"]


def test_perf_time_window_and_errors(bencher, history):
    windowed = bencher("perf", *SELECTION, "--benchmarks", "b1", "--format", "json",
                       "--start-time", "2024-05-01T00:01:00", "--end-time",
                       str(int((T0 + timedelta(minutes=1)).timestamp() * 1000)))  # fmt: skip
    assert windowed.exit_code == 0, windowed.output
    (series,) = json.loads(windowed.stdout)["results"]
    assert [m["metric"]["value"] for m in series["metrics"]] == [12.0]
    empty = bencher("perf", *SELECTION, "--benchmarks", "b1", "--end-time", "2000-01-01")
    assert empty.exit_code == 0 and empty.stdout == "No results for this selection.\n"
    unknown = bencher("perf", *SELECTION, "--benchmarks", "nope")
    assert unknown.exit_code == exit_codes.API_ERROR and "'nope'" in unknown.output
    bad_time = bencher("perf", *SELECTION, "--benchmarks", "b1", "--start-time", "soon")
    assert bad_time.exit_code == exit_codes.USAGE and "ISO 8601" in bad_time.output
    missing = bencher("perf", "--branches", "main")
    assert missing.exit_code == exit_codes.USAGE


def test_alert_list_view_dismiss(bencher, history):
    listed = bencher("alert", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["Alert", "Status", "Benchmark", "Measure"]
    (row,) = lines[2:]
    short, status, benchmark, measure, unit, value, limit, side = row.split()[:8]
    assert (status, benchmark, measure, unit, value, limit, side) == (
        "active",
        "b1",
        "Latency",
        "(ns)",
        "80",
        "50",
        "upper",
    )
    uuid = history[2]["alerts"][0]["uuid"]
    assert uuid.startswith(short)

    view = bencher("alert", "view", short)
    assert view.exit_code == 0, view.output
    assert f"Alert: {uuid}" in view.stdout and "Upper limit: 50" in view.stdout
    assert "Measure: Latency (ns)" in view.stdout
    assert f"Report: {history[2]['uuid']}" in view.stdout

    dismissed = bencher("alert", "dismiss", short)
    assert dismissed.exit_code == 0, dismissed.output
    assert dismissed.stdout == f"alert {uuid}: dismissed\n"
    assert bencher("alert", "list", "--status", "active").stdout == "No alerts.\n"
    as_json = json.loads(
        bencher("alert", "list", "--status", "dismissed", "--format", "json").stdout
    )
    assert [a["uuid"] for a in as_json] == [uuid]
    viewed = json.loads(bencher("alert", "view", uuid, "--format", "json").stdout)
    assert viewed["status"] == "dismissed"


def test_alert_errors(bencher, history, factory):
    assert bencher("alert", "view", "nope").exit_code == exit_codes.API_ERROR
    assert bencher("alert", "list", "--status", "gone").exit_code == exit_codes.USAGE
    _, outsider = factory.user("someone@other.test", "other")
    uuid = history[2]["alerts"][0]["uuid"]
    refused = bencher("alert", "dismiss", uuid, token=outsider)
    assert refused.exit_code == exit_codes.API_ERROR
    still = json.loads(bencher("alert", "view", uuid, "--format", "json").stdout)
    assert still["status"] == "active"
