"""The report as terminal text (``reports.human``) and readable numbers (``reports.units``)."""

import pytest

from reports.human import (
    ALERT_MARK,
    render_report,
    render_results,
    summary,
    table,
)
from reports.units import Scale, choose_scale, number, unit_symbol, with_units
from tests.unit.cli.test_display import BRANCH


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
        "vs",
        "base",
        "Limits",
        "Alert",
    ]
    alert_row = next(line for line in lines if "fib_10" in line)
    assert alert_row.startswith(ALERT_MARK) and " +50.00% " in alert_row
    assert "1.5" in alert_row.split() and "0.9 .. 1.2" in alert_row and " ns" not in alert_row
    assert "ALERT above upper limit" in alert_row
    quiet_row = next(line for line in lines if "fib_20" in line)
    assert not quiet_row.startswith(ALERT_MARK)
    assert "1.99 .. 2.01" in quiet_row and "ALERT" not in quiet_row
    assert throughput.splitlines()[0] == "throughput (ops/s)"
    assert throughput.splitlines()[3].split()[:2] == ["fib_10", "3"]


def test_a_measure_is_titled_by_its_name_else_by_its_slug():
    named = _row("b", 1.0, measure_name="Latency")
    assert render_results([named]).splitlines()[0] == "Latency (ns)"
    alert = {**named, "side": "upper", "upper_limit": 0.5, "baseline": 0.4}
    text = render_report({**REPORT, "results": [named], "alerts": [alert]})
    assert "ALERT b [Latency]: 1 ns" in text
    # A server that sends no name (before measure_name): the slug, as it was.
    assert render_results([_row("b", 1.0)]).splitlines()[0] == "latency (ns)"


def test_without_alerts_there_is_no_alert_column():
    text = render_results([_row("b", 1.0)])
    assert "Alert" not in text and ALERT_MARK not in text


def test_the_change_against_the_baseline_needs_a_baseline():
    assert "vs base" not in render_results([_row("b", 1.0)])
    rows = [_row("b", 90.0, baseline=100.0), _row("c", 1.0), _row("z", 1.0, baseline=0)]
    lines = render_results(rows).splitlines()
    assert lines[1].split()[-3:] == ["vs", "base", "Limits"]
    # Benchmark, value, bounds, baseline, change, limits
    assert lines[3].split() == ["b", "90", "-", "100", "-10.00%", "-"]
    assert lines[4].split() == ["c", "1", "-", "-", "-", "-"]  # no baseline
    assert lines[5].split() == ["z", "1", "-", "0", "-", "-"]  # a zero baseline: no percentage


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


def test_report_shows_the_branch_name_version_and_warnings():
    report = {**REPORT, "branch": BRANCH, "version": {"number": 11, "hash": None},
              "warnings": ["start point branch 'develop' does not exist yet"]}  # fmt: skip
    lines = render_report(report).splitlines()
    assert "branch feature" in lines[0] and "version 11" in lines[0]
    assert lines[1] == "Warning: start point branch 'develop' does not exist yet"


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
