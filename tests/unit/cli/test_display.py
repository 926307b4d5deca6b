"""Rendering reports and jobs as text."""

from datetime import UTC, datetime

import pytest

from cli.display import (
    ALERT_MARK,
    bmf_rows,
    number,
    render_branch,
    render_branch_table,
    render_job,
    render_job_table,
    render_output,
    render_report,
    render_results,
    short_ids,
    spec_text,
    status_word,
    summary,
    table,
    with_units,
)
from cli.scale import Scale, choose_scale, unit_symbol


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


@pytest.mark.parametrize(
    ("units", "values", "symbol", "divisor"),
    [
        ("nanoseconds (ns)", [12.5, 800], "ns", 1),
        ("nanoseconds (ns)", [1200, 98000, 45500], "µs", 1e3),
        ("nanoseconds (ns)", [2.5e6, 3e6, 1], "ms", 1e6),
        ("nanoseconds (ns)", [4e9], "s", 1e9),
        ("seconds (s)", [0.002], "ms", 1e-3),
        ("bytes (B)", [1 << 30, 3 << 30], "GiB", 1 << 30),
        ("bytes (B)", [512], "B", 1),
        ("operations / second (ops/s)", [3e9], "ops/s", 1),
        ("nanoseconds (ns)", [None, 0], "ns", 1),
    ],
)
def test_one_scale_per_table_from_the_median_value(units, values, symbol, divisor):
    assert choose_scale(units, values) == Scale(symbol, divisor)


def test_single_values_are_auto_scaled():
    assert with_units(1_500_000, "nanoseconds (ns)") == "1.5 ms"
    assert with_units(1500, "nanoseconds (ns)", Scale("ns")) == "1,500 ns"
    assert with_units(3 << 30, "bytes (B)") == "3 GiB"


def test_table_pads_and_right_aligns():
    text = table(["a", "bb"], [["xyz", "1"], ["q", "22"]], right=[1])
    assert text.splitlines() == ["a    bb", "---  --", "xyz   1", "q    22"]


def test_results_get_one_table_per_measure_and_mark_alerts():
    text = render_results(REPORT["results"])
    latency, throughput = text.split("\n\n")
    lines = latency.splitlines()
    assert lines[0] == "latency (µs)"  # the unit once, in the title; 1,500 ns is 1.5 µs
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
    assert "1.5" in alert_row.split() and "0.9 .. 1.2" in alert_row and " ns" not in alert_row
    assert "ALERT above upper limit" in alert_row
    quiet_row = next(line for line in lines if "fib_20" in line)
    assert not quiet_row.startswith(ALERT_MARK)
    assert "1.99 .. 2.01" in quiet_row and "ALERT" not in quiet_row
    assert throughput.splitlines()[0] == "throughput (ops/s)"
    assert throughput.splitlines()[3].split()[:2] == ["fib_10", "3"]


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
            f"{ALERT_MARK} ALERT fib_10 [latency]: 1.5 µs is above the upper limit "
            "1.2 µs (baseline 1 µs)"
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
    assert lines[0].split() == [
        "Job", "Status", "Spec", "Runner", "Created", "(UTC)", "Duration", "Image", "Error"
    ]  # fmt: skip
    assert lines[2].split() == [
        "j-1",
        "processing",
        "small",
        "r1",
        "2024-05-01",
        "10:00:00",
        "-",
        JOB["image"],
    ]
    assert render_job_table([]) == "No jobs."


def test_job_table_has_short_ids_durations_and_errors():
    now = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    failed = {
        **JOB,
        "uuid": "3f2a9c1e-aaaa-4000-8000-000000000001",
        "status": "failed",
        "started": "2024-05-01T10:00:00+00:00",
        "completed": "2024-05-01T10:01:05+00:00",
        "error": "iteration 1: exited with code 2\nstderr ends with: " + "x" * 80,
    }
    running = {
        **JOB,
        "uuid": "3f2a9c1e-bbbb-4000-8000-000000000002",
        "status": "running",
        "started": "2024-05-01T10:04:30+00:00",
    }
    canceled = {**JOB, "uuid": "9b000000-0000-4000-8000-000000000003", "status": "canceled",
                "claimed": None, "cancel_reason": "canceled by user"}  # fmt: skip
    lines = render_job_table([failed, running, canceled], now=now).splitlines()
    assert lines[2].split()[:2] == ["3f2a9c1e-a", "failed"]  # 8 characters are not unique here
    assert "1m05s" in lines[2].split() and lines[2].endswith("iteration 1: exited with code 2")
    assert lines[3].split()[:2] == ["3f2a9c1e-b", "running"] and "30.0s" in lines[3].split()
    assert lines[4].split()[:2] == ["9b000000", "canceled"] and "-" in lines[4].split()
    assert lines[4].endswith("canceled by user")
    long_error = {**failed, "error": "e" * 200}
    assert render_job_table([long_error], now=now).splitlines()[2].endswith("e" * 57 + "...")


def test_short_ids_are_unique_prefixes_of_at_least_eight_characters():
    ids = ["abcdef12-0000", "abcdef12-1000", "12345678-0000", "abcdef13-0000"]
    assert short_ids(ids) == {
        "abcdef12-0000": "abcdef12-0",
        "abcdef12-1000": "abcdef12-1",
        "12345678-0000": "12345678",
        "abcdef13-0000": "abcdef13",
    }


def test_spec_sizes_are_human_readable():
    spec = {"slug": "default", "cpu": 2, "memory": 1 << 30, "disk": 4 << 30}
    assert spec_text(spec) == "default (2 CPUs, 1 GiB memory, 4 GiB disk)"
    assert spec_text({"slug": "small"}) == "small" and spec_text(None) is None


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


def test_an_iteration_that_never_started_says_so():
    text = render_output([{"exit_code": None, "stdout": "", "stderr": "", "output": {}}])
    assert text == "=== iteration 1: could not start ==="
    assert "None" not in text


def test_no_output_renders_nothing():
    assert render_output(None) == "" and render_output([]) == ""


BRANCH = {
    "uuid": "b-1", "name": "feature", "slug": "feature", "archived": None,
    "created": "2024-05-01T10:00:00+00:00", "modified": "2024-05-02T10:00:00+00:00",
    "head": {
        "uuid": "h-1", "version": {"number": 11, "hash": None},
        "start_point": {"branch": "b-0", "head": "h-0",
                        "version": {"number": 10, "hash": "ab" * 20}},
        "created": "2024-05-01T10:00:00+00:00", "replaced": None,
    },
}  # fmt: skip


def test_report_shows_the_branch_name_version_and_warnings():
    report = {**REPORT, "branch": BRANCH, "version": {"number": 11, "hash": None},
              "warnings": ["start point branch 'develop' does not exist yet"]}  # fmt: skip
    lines = render_report(report).splitlines()
    assert "branch feature" in lines[0] and "version 11" in lines[0]
    assert lines[1] == "Warning: start point branch 'develop' does not exist yet"


def test_branch_table_and_view():
    lines = render_branch_table([BRANCH]).splitlines()
    assert lines[0].split() == ["Slug", "Name", "Version", "Start", "point", "Archived"]
    assert lines[-1].split() == ["feature", "feature", "11", "10", f"({'ab' * 6})"]
    assert render_branch_table([]) == "No branches."
    view = render_branch(BRANCH, {"name": "main"}).splitlines()
    assert view[0] == "Branch:      feature (feature)"
    assert f"Start point: main at version 10 ({'ab' * 6})" in view
    assert "Archived" not in "\n".join(view)
    assert "Start point: b-0 at version" in render_branch(BRANCH)


def test_alert_lines_show_p_values_and_the_summary_the_expected_false_alerts():
    alert = {"benchmark": "fib", "measure": "latency", "value": 1500.0, "baseline": 1000.0,
             "upper_limit": 1200.0, "side": "upper", "p_value": 0.00031,
             "adjusted_p_value": 0.012}  # fmt: skip
    report = {
        "uuid": "r-2",
        "results": [_row("fib", 1500.0, upper_limit=1200.0, p_value=0.00031)],
        "alerts": [alert],
        "false_alerts": {"expected": 0.0513, "boundaries": 200, "without_estimate": 0},
    }
    lines = render_report(report).splitlines()
    assert any(line.endswith("(baseline 1 µs, p 0.00031, adjusted 0.012)") for line in lines)
    expected = "1 alert (0.051 expected by chance at these settings)"
    assert lines[-1] == f"1 benchmark, 1 measure, 1 iteration: {expected}"
    assert summary({"results": [], "alerts": [], "false_alerts": {"expected": None}}).endswith(
        "no alerts"
    )
