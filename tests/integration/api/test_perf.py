"""GET /v0/projects/{project}/perf: Bencher's shape, filters, the time window, heads, the
permutation cap, who may read it, its errors, and a statement count that does not grow with the
number of series."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services import perf_rows
from tests.support.perf_runs import T0, Runs
from tests.support.server import auth

STATIC = {"latency": {"test": "static", "upper_boundary": 50.0}}
SERIES_KEYS = ["branch", "testbed", "benchmark", "measure", "metrics"]
METRIC_KEYS = ["report", "iteration", "start_time", "end_time", "version", "metric", "threshold",
               "boundary", "alert"]  # fmt: skip
MODEL_KEYS = ["uuid", "test", "min_sample_size", "max_sample_size", "window", "lower_boundary",
              "upper_boundary", "k", "fdr", "created"]  # fmt: skip


def moment(text: str) -> datetime:
    """A time the API wrote; the perf rows trim the fraction (``.5``), other endpoints do not."""
    assert text.endswith("+00:00"), text
    return datetime.fromisoformat(text)


def millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@pytest.fixture
def runs(client, factory):
    return Runs.in_new_project(client, factory.admin_token)


def test_shape_with_versions_boundaries_thresholds_and_alerts(runs):
    first = runs.post(0, {"b1": 10.0, "b2": 20.0}, thresholds=STATIC, hash="ab" * 20)
    second = runs.post(5, {"b1": 100.0, "b2": 21.0}, thresholds=STATIC)
    response = runs.perf(benchmarks="b1,b2")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert list(body) == ["project", "start_time", "end_time", "results"]
    assert body["project"]["slug"] == "demo" and body["start_time"] is None
    assert [s["benchmark"]["name"] for s in body["results"]] == ["b1", "b2"]
    b1 = body["results"][0]
    assert list(b1) == SERIES_KEYS
    assert (b1["branch"]["slug"], b1["testbed"]["slug"], b1["measure"]["units"]) == (
        "main",
        "localhost",
        "nanoseconds (ns)",
    )
    assert b1["branch"]["head"]["uuid"] == second["branch"]["head"]["uuid"]
    old, new = b1["metrics"]
    assert [list(m) for m in b1["metrics"]] == [METRIC_KEYS, METRIC_KEYS]
    assert (old["report"], new["report"]) == (first["uuid"], second["uuid"])
    assert old["iteration"] == 0
    assert old["start_time"] == "2024-05-01T00:00:00+00:00"
    assert old["end_time"] == "2024-05-01T00:00:02+00:00"
    assert old["version"] == {"number": 1, "hash": "ab" * 20}
    assert new["version"] == {"number": 2, "hash": None}
    assert old["metric"]["value"] == 10.0
    assert (old["metric"]["lower_value"], old["metric"]["upper_value"]) == (9.0, 11.0)
    assert old["metric"]["uuid"] != new["metric"]["uuid"]
    assert old["boundary"] == {"baseline": None, "lower_limit": None, "upper_limit": 50.0}
    assert list(old["threshold"]) == ["uuid", "model"]
    assert list(old["threshold"]["model"]) == MODEL_KEYS
    assert old["threshold"]["model"]["test"] == "static"
    assert old["threshold"]["model"]["upper_boundary"] == 50.0
    assert old["alert"] is None
    alert = second["alerts"][0]
    assert list(new["alert"]) == ["uuid", "limit", "status", "modified"]
    assert (new["alert"]["uuid"], new["alert"]["limit"], new["alert"]["status"]) == (
        alert["uuid"],
        "upper",
        "active",
    )
    listed = runs.client.get("/v0/projects/demo/alerts").json[0]
    assert moment(new["alert"]["modified"]) == moment(listed["modified"])
    (threshold,) = runs.client.get("/v0/projects/demo/thresholds").json
    assert old["threshold"]["uuid"] == threshold["uuid"]
    assert {**old["threshold"]["model"], "created": None} == {**threshold["model"],
                                                              "created": None}  # fmt: skip
    assert moment(old["threshold"]["model"]["created"]) == moment(threshold["model"]["created"])
    by_uuid = runs.perf(
        branches=b1["branch"]["uuid"], testbeds=b1["testbed"]["uuid"],
        benchmarks=f"{b1['benchmark']['uuid']},b2", measures=b1["measure"]["uuid"],
    ).json  # fmt: skip
    assert by_uuid["results"] == body["results"]


def test_metrics_without_threshold_and_combinations_without_data(runs):
    runs.post(0, {"b1": 10.0})
    body = runs.perf(benchmarks="b1").json
    (series,) = body["results"]
    (only,) = series["metrics"]
    assert (only["threshold"], only["boundary"], only["alert"]) == (None, None, None)
    runs.post(1, {"other": 1.0}, branch="dev")
    # dev has no b1 results and main no "other": those combinations are left out.
    mixed = runs.perf(branches="main,dev", benchmarks="b1,other").json["results"]
    assert [(s["branch"]["slug"], s["benchmark"]["name"]) for s in mixed] == [
        ("main", "b1"),
        ("dev", "other"),
    ]


def test_each_row_shows_the_model_that_judged_it(runs):
    """The threshold texts are written once per model and spliced into the rows: a model
    replaced mid-history shows on the rows it judged, and rows before any threshold show none."""
    runs.post(0, {"b1": 10.0})
    runs.post(1, {"b1": 11.0}, thresholds=STATIC)
    (threshold,) = runs.client.get("/v0/projects/demo/thresholds").json
    patched = runs.client.patch(
        f"/v0/projects/demo/thresholds/{threshold['uuid']}",
        json={"test": "static", "upper_boundary": 60.0},
        headers=auth(runs.token),
    )
    assert patched.status_code == 200, patched.json
    runs.post(2, {"b1": 12.0})
    first, judged, rejudged = runs.perf(benchmarks="b1").json["results"][0]["metrics"]
    assert (first["threshold"], first["boundary"]) == (None, None)
    assert judged["threshold"]["uuid"] == rejudged["threshold"]["uuid"] == threshold["uuid"]
    assert judged["threshold"]["model"]["uuid"] == threshold["model"]["uuid"]
    assert rejudged["threshold"]["model"]["uuid"] == patched.json["model"]["uuid"]
    assert [m["threshold"]["model"]["upper_boundary"] for m in (judged, rejudged)] == [50.0, 60.0]
    assert rejudged["boundary"]["upper_limit"] == 60.0


def test_fractional_seconds(runs):
    report = runs.post(0, {"b1": 1.0}, start_offset=timedelta(milliseconds=500))
    (row,) = runs.perf(benchmarks="b1").json["results"][0]["metrics"]
    assert row["start_time"] == "2024-05-01T00:00:00.5+00:00"
    assert moment(row["start_time"]) == moment(report["start_time"])


def test_time_window_in_epoch_milliseconds(runs):
    for minute in (0, 10, 20):
        runs.post(minute, {"b1": float(minute)})
    start, end = millis(T0 + timedelta(minutes=5)), millis(T0 + timedelta(minutes=20))
    body = runs.perf(benchmarks="b1", start_time=start, end_time=end).json
    assert [m["metric"]["value"] for m in body["results"][0]["metrics"]] == [10.0, 20.0]
    assert body["start_time"] == "2024-05-01T00:05:00+00:00"
    assert body["end_time"] == "2024-05-01T00:20:00+00:00"
    only_start = runs.perf(benchmarks="b1", start_time=millis(T0 + timedelta(minutes=15))).json
    assert [m["metric"]["value"] for m in only_start["results"][0]["metrics"]] == [20.0]
    empty = runs.perf(benchmarks="b1", end_time=millis(T0 - timedelta(days=1))).json
    assert empty["results"] == []


def test_heads_are_positional_with_branches(runs):
    runs.post(0, {"b1": 1.0})
    first = runs.post(1, {"b1": 2.0}, branch="feature", start_point={"branch": "main"})
    old_head = first["branch"]["head"]["uuid"]
    runs.post(2, {"b1": 3.0}, branch="main")
    reset = runs.post(3, {"b1": 4.0}, branch="feature",
                      start_point={"branch": "main", "reset": True})  # fmt: skip
    assert reset["branch"]["head"]["uuid"] != old_head

    def values(**params):
        body = runs.perf(benchmarks="b1", **params).json
        return [(s["branch"]["slug"], [m["metric"]["value"] for m in s["metrics"]])
                for s in body["results"]]  # fmt: skip

    # A head holds its start point's versions: feature's first head has main's first run.
    assert values(branches="main,feature") == [("main", [1.0, 3.0]), ("feature", [1.0, 3.0, 4.0])]
    assert values(branches="main,feature", heads=f",{old_head}") == [
        ("main", [1.0, 3.0]),
        ("feature", [1.0, 2.0]),
    ]
    body = runs.perf(benchmarks="b1", branches="feature", heads=old_head).json
    assert body["results"][0]["branch"]["head"]["uuid"] == old_head
    wrong = runs.perf(benchmarks="b1", branches="main", heads=old_head)
    assert wrong.status_code == 404 and "head" in wrong.json["message"]
    unknown = runs.perf(benchmarks="b1", branches="feature", heads="nope")
    assert unknown.status_code == 404
    extra = runs.perf(benchmarks="b1", branches="main", heads=f"{old_head},{old_head}")
    assert extra.status_code == 400


def test_permutation_cap(runs):
    runs.post(0, {"b1": 1.0})
    names = [f"n{i}" for i in range(128)]
    too_many = runs.perf(benchmarks=",".join(names), measures="latency,throughput")
    assert too_many.status_code == 400 and "256 combinations" in too_many.json["message"]
    # 255 is allowed: the names are then looked up (and these do not exist).
    at_cap = runs.perf(benchmarks=",".join(names[:85]), measures="latency,a,b")
    assert at_cap.status_code == 404


@pytest.mark.parametrize(
    ("param", "value"),
    [("branches", "nope"), ("testbeds", "nope"), ("benchmarks", "nope"), ("measures", "nope")],
)
def test_unknown_dimension_is_404(runs, param, value):
    runs.post(0, {"b1": 1.0})
    response = runs.perf(**{"benchmarks": "b1", param: value})
    assert response.status_code == 404 and response.json["error"] == "not_found"
    assert "'nope'" in response.json["message"]
    unknown_uuid = runs.perf(**{"benchmarks": "b1", param: "6f1c7a57-0000-4000-8000-000000000000"})
    assert unknown_uuid.status_code == 404


def test_bad_requests(runs):
    runs.post(0, {"b1": 1.0})
    for params in (
        {"benchmarks": "b1", "start_time": "yesterday"},
        {"benchmarks": "b1", "end_time": "1.5"},
        {"benchmarks": "b1", "start_time": str(10**20)},
        {"benchmarks": "b1", "start_time": "2000", "end_time": "1000"},
        {"benchmarks": "b1", "bogus": "1"},
    ):
        response = runs.perf(**params)
        assert response.status_code == 400, params
        assert response.json["error"] == "bad_request" and response.json["fields"]
    missing = runs.perf()
    assert missing.status_code == 400 and "benchmarks" in missing.json["fields"]
    empty = runs.perf(benchmarks=",")
    assert empty.status_code == 400 and "'benchmarks' is required" in empty.json["message"]


def test_private_project_needs_a_members_token(client, factory):
    _, member = factory.user("member@acme.test", "acme")
    _, outsider = factory.user("someone@other.test", "other")
    created = client.post("/v0/projects", json={"name": "secret", "visibility": "private"},
                          headers=auth(member))  # fmt: skip
    assert created.status_code == 201
    runs = Runs(client, member, project="secret")
    runs.post(0, {"b1": 1.0})
    assert runs.perf(benchmarks="b1", token=member).status_code == 200
    assert runs.perf(benchmarks="b1", token=factory.admin_token).status_code == 200
    assert runs.perf(benchmarks="b1").status_code == 404
    assert runs.perf(benchmarks="b1", token=outsider).status_code == 404
    assert runs.perf(benchmarks="b1", token="bencher_api_wrong").status_code == 401


def test_statements_do_not_grow_with_the_series(runs):
    statements = []

    def count(*_args):
        statements.append(1)

    def statements_for(**params) -> tuple[int, int]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            body = runs.perf(**params).json
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(body["results"]), len(statements)

    runs.post(0, {"b1": 1.0, "b2": 2.0, "b3": 3.0})
    runs.post(1, {"b1": 1.0, "b2": 2.0, "b3": 3.0}, branch="dev")
    few = statements_for(benchmarks="b1")
    many = statements_for(benchmarks="b1,b2,b3", branches="main,dev")
    assert (few[0], many[0]) == (1, 6)
    assert many[1] == few[1]


def test_an_alert_shows_its_current_status(runs):
    """A row's alert is written live, not stored with the row: dismissing it, and a new head
    silencing it, show in the next answer."""
    runs.post(0, {"b1": 10.0}, thresholds=STATIC)
    alerted = runs.post(1, {"b1": 100.0})
    (alert,) = alerted["alerts"]

    def shown() -> dict:
        return runs.perf(benchmarks="b1").json["results"][0]["metrics"][-1]["alert"]

    assert shown()["status"] == "active"
    dismissed = runs.client.patch(
        f"/v0/projects/demo/alerts/{alert['uuid']}",
        json={"status": "dismissed"},
        headers=auth(runs.token),
    )
    assert dismissed.status_code == 200, dismissed.json
    after = shown()
    assert (after["uuid"], after["limit"], after["status"]) == (alert["uuid"], "upper", "dismissed")
    assert moment(after["modified"]) == moment(dismissed.json["modified"])
    runs.client.patch(
        f"/v0/projects/demo/alerts/{alert['uuid']}",
        json={"status": "active"},
        headers=auth(runs.token),
    )
    head = alerted["branch"]["head"]["uuid"]
    # A reset starts a new head, which silences the old head's alerts.
    runs.post(2, {"b1": 10.0}, start_point={"branch": "main", "reset": True})
    old_head = runs.perf(benchmarks="b1", heads=head).json["results"][0]["metrics"]
    assert old_head[-1]["alert"]["status"] == "silenced"


def test_alerts_over_several_statements(runs, monkeypatch):
    """The alerts' texts are read by id in bounded batches: every batch's alerts show."""
    monkeypatch.setattr(perf_rows, "ALERT_BATCH", 2)
    runs.post(0, {"b1": 10.0, "b2": 10.0, "b3": 10.0}, thresholds=STATIC)
    alerted = runs.post(1, {"b1": 100.0, "b2": 100.0, "b3": 100.0})
    assert len(alerted["alerts"]) == 3
    body = runs.perf(benchmarks="b1,b2,b3").json
    shown = {series["metrics"][-1]["alert"]["uuid"] for series in body["results"]}
    assert shown == {alert["uuid"] for alert in alerted["alerts"]}
