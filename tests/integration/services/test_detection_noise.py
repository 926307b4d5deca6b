"""Detection under noise through POST /v0/run: the mann_whitney model, p-values on boundaries,
report-level false-discovery control (per threshold and per run) and the expected number of
false alerts a report states."""

import json
from datetime import UTC, datetime, timedelta

import pytest

import thresholds
from tests.support.server import auth, run_body

QUIET = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.4, 99.6]
START = datetime(2024, 6, 1, tzinfo=UTC)
T_TEST = {"test": "t_test", "upper_boundary": 0.95}


@pytest.fixture
def token(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return factory.admin_token


def _post(client, token, iterations, minute, thresholds_=None, **settings):
    """One report at START + minute; ``iterations``: one {benchmark: {measure: value}} each."""
    documents = [
        json.dumps(
            {b: {m: {"value": v} for m, v in measures.items()} for b, measures in it.items()}
        )
        for it in iterations
    ]
    body = run_body("demo", documents, settings={"adapter": "json", **settings})
    when = START + timedelta(minutes=minute)
    body["start_time"] = when.isoformat()
    body["end_time"] = (when + timedelta(seconds=1)).isoformat()
    if thresholds_:
        body["thresholds"] = thresholds_
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return response.json


def _history(client, token, benchmarks, measures=("latency",), values=QUIET, model=None):
    """One earlier report holding ``values`` as iterations for every benchmark and measure."""
    iterations = [{b: dict.fromkeys(measures, v) for b in benchmarks} for v in values]
    _post(client, token, iterations, 0, model)


def _row(report, benchmark, measure="latency"):
    wanted = (benchmark, measure)
    return next(r for r in report["results"] if (r["benchmark"], r["measure"]) == wanted)


def test_mann_whitney_ignores_a_single_spike_and_catches_a_step(client, token):
    model = {"latency": {"test": "mann_whitney", "upper_boundary": 0.99}}
    _history(client, token, ["spike", "step"], values=QUIET * 3, model=model)
    spike = _post(client, token, [{"spike": {"latency": 1e6}}], 1, model)
    row = _row(spike, "spike")
    assert spike["alerts"] == []
    # The two results before it are quiet: no value of this one alone could alert.
    assert row["upper_limit"] is None and row["baseline"] == pytest.approx(100.05)
    # The history is the earlier report's iterations, newest (the last) first.
    expected = thresholds.judge("mann_whitney", (QUIET * 3)[::-1], 1e6, lower_boundary=None,
                                upper_boundary=0.99, k=3)  # fmt: skip
    assert row["p_value"] == pytest.approx(expected.p_value) and row["p_value"] > 0.01
    assert row["adjusted_p_value"] is None
    sides = []
    for minute, value in enumerate((105.0, 105.5, 104.8), start=2):
        report = _post(client, token, [{"step": {"latency": value}}], minute, model)
        sides.append([a["side"] for a in report["alerts"]])
    assert sides == [[], [], ["upper"]]
    alerted = _row(report, "step")
    assert alerted["p_value"] <= 0.01 and alerted["value"] > alerted["upper_limit"]
    assert report["false_alerts"]["boundaries"] == 1
    assert 0.009 < report["false_alerts"]["expected"] <= 0.01
    listed = client.get("/v0/projects/demo/thresholds").json
    assert listed[0]["model"]["k"] == 3 and listed[0]["model"]["max_sample_size"] == 64


def _fdr_report(client, token, model, **settings):
    """21 benchmarks: 15 unchanged, 5 a little high (p about 0.03), 1 far off (p about 1e-10)."""
    names = [f"b{i:02d}" for i in range(21)]
    _history(client, token, names, values=QUIET[:8], model={"latency": model})
    values = {name: 100.0 for name in names[:15]}
    values.update({name: 101.5 for name in names[15:20]})
    values[names[20]] = 300.0
    report = _post(client, token, [{b: {"latency": v} for b, v in values.items()}], 1,
                   {"latency": model}, **settings)  # fmt: skip
    return report, names


def test_without_fdr_every_point_beyond_its_limit_alerts(client, token):
    report, names = _fdr_report(client, token, T_TEST)
    assert sorted(a["benchmark"] for a in report["alerts"]) == names[15:]
    for row in report["results"]:
        assert row["p_value"] is not None and row["adjusted_p_value"] is None
        assert (row["alert"] is not None) == (row["p_value"] < 0.05)
    assert report["false_alerts"] == {"expected": pytest.approx(21 * 0.05), "boundaries": 21,
                                      "without_estimate": 0}  # fmt: skip


def test_threshold_fdr_keeps_only_the_discoveries(client, token):
    report, names = _fdr_report(client, token, {**T_TEST, "fdr": 0.05})
    assert [a["benchmark"] for a in report["alerts"]] == [names[20]]
    rows = [_row(report, name) for name in names]
    expected = thresholds.adjusted_p_values([r["p_value"] for r in rows])
    assert [r["adjusted_p_value"] for r in rows] == pytest.approx(expected)
    assert all(r["adjusted_p_value"] > 0.05 for r in rows[15:20])
    assert report["alerts"][0]["adjusted_p_value"] <= 0.05
    assert report["false_alerts"]["expected"] == pytest.approx(
        thresholds.expected_false_discoveries(21, 0.05)
    )
    fetched = client.get(f"/v0/projects/demo/reports/{report['uuid']}").json
    assert fetched["false_alerts"] == report["false_alerts"]


def test_run_fdr_applies_to_the_run_only(client, token):
    report, names = _fdr_report(client, token, T_TEST, fdr=0.05)
    assert report["settings"]["fdr"] == 0.05
    assert [a["benchmark"] for a in report["alerts"]] == [names[20]]
    values = {name: 101.5 for name in names}
    later = _post(client, token, [{b: {"latency": v} for b, v in values.items()}], 2)
    assert "fdr" not in later["settings"]
    assert all(r["adjusted_p_value"] is None for r in later["results"])


def test_fdr_family_spans_measures_of_the_same_test(client, token):
    both = {"latency": {**T_TEST, "fdr": 0.05}, "throughput": {**T_TEST, "fdr": 0.05}}
    _history(client, token, ["b", "c"], measures=("latency", "throughput"), model=both)
    iteration = {"b": {"latency": 101.3, "throughput": 100.0}}
    report = _post(client, token, [iteration], 1, both)
    latency = _row(report, "b")
    # Alone p ~ 0.03 would pass 0.05; in a family of two it needs p <= 0.025.
    assert 0.025 < latency["p_value"] < 0.05
    assert latency["adjusted_p_value"] == pytest.approx(2 * latency["p_value"])
    assert report["alerts"] == []
    # A family is one test: with the other measure on mann_whitney, latency is alone again.
    mixed = {"latency": both["latency"], "throughput": {"test": "mann_whitney",
             "upper_boundary": 0.95, "max_sample_size": 30, "fdr": 0.05}}  # fmt: skip
    report = _post(client, token, [{"c": iteration["b"]}], 2, mixed)
    assert [a["measure"] for a in report["alerts"]] == ["latency"]
    assert _row(report, "c")["adjusted_p_value"] == pytest.approx(latency["p_value"])


def test_ignored_benchmarks_stay_out_of_the_family(client, token):
    model = {"latency": {**T_TEST, "fdr": 0.05}}
    _history(client, token, ["a", "quiet_bencher_ignore"], model=model)
    report = _post(client, token, [{"a": {"latency": 101.5}, "quiet_bencher_ignore":
                                    {"latency": 300.0}}], 1, model)  # fmt: skip
    ignored = _row(report, "quiet")
    assert ignored["adjusted_p_value"] is None and ignored["alert"] is None
    assert _row(report, "a")["adjusted_p_value"] == pytest.approx(_row(report, "a")["p_value"])
    assert [a["benchmark"] for a in report["alerts"]] == ["a"]
