"""Rendering reports and jobs as text."""

import pytest

from cli.display import (
    ALERT_MARK,
    bmf_rows,
    number,
    render_job,
    render_job_table,
    render_output,
    render_report,
    render_results,
    status_word,
    summary,
    table,
    unit_symbol,
    with_units,
)


def _row(bench, value, measure="latency", units="nanoseconds (ns)", iteration=0, **extra):
    row = {
        "iteration": iteration,
        "benchmark": bench,
        "measure": measure,
        "units": units,
        "value": value,
        "lower_value": None,
        "upper_value": None,
        "baseline": None,
        "lower_limit": None,
        "upper_limit": None,
        "alert": None,
    }
    row.update(extra)
    return row


REPORT = {
    "uuid": "r-1",
    "project": "demo",
    "branch": "main",
    "testbed": "localhost",
    "adapter": "json",
    "hash": "abc123",
    "results": [
        _row(
            "fib_10",
            1500.0,
            baseline=1000.0,
            lower_limit=900.0,
            upper_limit=1200.0,
            alert={"uuid": "a-1", "side": "upper", "status": "active"},
        ),
        _row(
            "fib_20",
            2000.5,
            lower_value=1990.0,
            upper_value=2010.0,
            baseline=2000.0,
            lower_limit=1800.0,
            upper_limit=2200.0,
        ),
        _row("fib_10", 3.0, measure="throughput", units="operations / second (ops/s)"),
    ],
    "alerts": [
        {
            "benchmark": "fib_10",
            "measure": "latency",
            "value": 1500.0,
            "baseline": 1000.0,
            "lower_limit": 900.0,
            "upper_limit": 1200.0,
            "uuid": "a-1",
            "side": "upper",
            "status": "active",
        },
    ],
}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (0, "0"),
        (1.0, "1"),
        (1234567.891, "1,234,567.891"),
        (12.5, "12.5"),
        (0.000123456, "0.0001235"),
        (-2.25, "-2.25"),
    ],
)
def test_number(value, text):
    assert number(value) == text


def test_units_are_shown_by_their_symbol():
    assert unit_symbol("nanoseconds (ns)") == "ns"
    assert unit_symbol("operations / second (ops/s)") == "ops/s"
    assert unit_symbol("instructions") == "instructions"
    assert unit_symbol(None) == ""
    assert with_units(12.5, "nanoseconds (ns)") == "12.5 ns"
    assert with_units(None, "nanoseconds (ns)") == "-"


def test_table_pads_and_right_aligns():
    text = table(["a", "bb"], [["xyz", "1"], ["q", "22"]], right=[1])
    assert text.splitlines() == ["a    bb", "---  --", "xyz   1", "q    22"]


def test_results_get_one_table_per_measure_and_mark_alerts():
    text = render_results(REPORT["results"])
    latency, throughput = text.split("\n\n")
    lines = latency.splitlines()
    assert lines[0] == "latency (nanoseconds (ns))"
    assert lines[1].split() == [
        ALERT_MARK,
        "Benchmark",
        "Value",
        "Bounds",
        "Baseline",
        "Limits",
        "Alert",
    ]
    alert_row = next(line for line in lines if "fib_10" in line)
    assert alert_row.startswith(ALERT_MARK)
    assert "1,500 ns" in alert_row and "900 ns .. 1,200 ns" in alert_row
    assert "ALERT above upper limit" in alert_row
    quiet_row = next(line for line in lines if "fib_20" in line)
    assert not quiet_row.startswith(ALERT_MARK)
    assert "1,990 ns .. 2,010 ns" in quiet_row and "ALERT" not in quiet_row
    assert throughput.splitlines()[0] == "throughput (operations / second (ops/s))"
    assert "3 ops/s" in throughput


def test_without_alerts_there_is_no_alert_column():
    text = render_results([_row("b", 1.0)])
    assert "Alert" not in text and ALERT_MARK not in text


def test_several_iterations_get_an_iteration_column():
    text = render_results([_row("b", 1.0, iteration=0), _row("b", 2.0, iteration=1)])
    assert text.splitlines()[1].split()[0] == "Iter"


def test_report_has_header_alert_lines_and_summary():
    text = render_report(REPORT)
    lines = text.splitlines()
    assert lines[0].startswith("Report r-1") and "project demo" in lines[0]
    assert "hash abc123" in lines[0]
    assert any(
        line.startswith(
            f"{ALERT_MARK} ALERT fib_10 [latency]: 1,500 ns is above the upper limit "
            "1,200 ns (baseline 1,000 ns)"
        )
        for line in lines
    )
    assert lines[-1] == "2 benchmarks, 2 measures, 1 iteration: 1 alert"


def test_summary_without_alerts():
    assert summary({"results": [_row("b", 1.0)], "alerts": []}) == (
        "1 benchmark, 1 measure, 1 iteration: no alerts"
    )
    assert render_results([]) == "No results."


def test_bmf_rows_flatten_parsed_iterations():
    rows = bmf_rows(
        [{"b": {"latency": {"value": 1.0, "lower_value": 0.5}}}, {"b": {"latency": {"value": 2}}}],
        units_of=lambda m: "nanoseconds (ns)",
    )
    assert [(r["iteration"], r["benchmark"], r["value"], r["units"]) for r in rows] == [
        (0, "b", 1.0, "nanoseconds (ns)"),
        (1, "b", 2, "nanoseconds (ns)"),
    ]
    assert rows[0]["lower_value"] == 0.5 and rows[1]["upper_value"] is None


JOB = {
    "uuid": "j-1",
    "status": "completed",
    "project": "demo",
    "report": "r-1",
    "image": "127.0.0.1:5000/acme/bench:v1",
    "digest": "sha256:" + "ab" * 32,
    "spec": {"slug": "small"},
    "runner": "r1",
    "priority": 100,
    "timeout": 600,
    "created": "2024-05-01T12:00:00.123456+02:00",
    "claimed": "2024-05-01T10:00:01+00:00",
    "started": None,
    "error": None,
    "cancel_reason": None,
    "output": [
        {"exit_code": 0, "stdout": "out\n", "stderr": "warn\n", "output": {"/r.json": "{}"}},
        {"exit_code": 1, "stdout": "", "stderr": "", "output": {}},
    ],
}


def test_status_words():
    assert status_word("completed") == "processing"
    assert status_word("running") == "running"


def test_job_table():
    lines = render_job_table([JOB]).splitlines()
    assert lines[0].split() == ["UUID", "Status", "Spec", "Runner", "Created", "(UTC)", "Image"]
    assert lines[2].split() == [
        "j-1",
        "processing",
        "small",
        "r1",
        "2024-05-01",
        "10:00:00",
        JOB["image"],
    ]
    assert render_job_table([]) == "No jobs."


def test_job_view_shows_fields_and_labelled_output():
    text = render_job(JOB)
    assert "Status:    processing" in text
    assert "Spec:      small" in text and "Runner:    r1" in text
    assert "Timeout:   600 s" in text
    assert "Created:   2024-05-01 10:00:00 UTC" in text
    assert "Started" not in text and "Error" not in text
    assert "=== iteration 1: exit code 0 ===\n--- stdout ---\nout\n--- stderr ---\nwarn" in text
    assert "--- file /r.json ---\n{}" in text
    assert "=== iteration 2: exit code 1 ===" in text


def test_no_output_renders_nothing():
    assert render_output(None) == "" and render_output([]) == ""
