"""The rich formats on golden files: each ``tests/data/reports/CASE.json`` report renders to
``CASE.md``, ``CASE.html`` and ``CASE.txt`` exactly. After an intended change, look at the new
output, then replace the golden file with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports import MAX_CHARS, ConsoleLinks, render

DATA = Path(__file__).parents[2] / "data" / "reports"
LINKS = ConsoleLinks("https://bencher.example.com/", "demo")
CASES = ["empty", "alerts", "iterations", "missing_thresholds"]
EXTENSIONS = {"markdown": "md", "html": "html", "human": "txt"}
TAG = '<div id="bencher.dev/projects/demo/id/feature-faster-fib/ubuntu-latest/json"></div>'


def load(case: str) -> dict:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def long_report() -> dict:
    """1,200 results with long names (too long for a comment) and 3 alerts."""
    report = load("empty")
    report["uuid"] = "0e0e0e0e-5555-4000-8000-000000000005"
    for k in range(1200):
        row = {
            "iteration": 0, "benchmark": f"suite::module_{k:04d}::benchmark_with_a_long_name",
            "measure": "latency", "units": "nanoseconds (ns)", "value": 1000.0 + k,
            "lower_value": None, "upper_value": None, "baseline": 1000.0,
            "baseline_source": "threshold", "lower_limit": None, "upper_limit": 1100.0 + k,
            "p_value": None, "adjusted_p_value": None, "alert": None,
            "benchmark_uuid": f"c3c3c3c3-0000-4000-8000-{k:012d}",
            "measure_uuid": "a1a1a1a1-0000-4000-8000-00000000000a",
            "threshold_uuid": "d4d4d4d4-0000-4000-8000-00000000000d",
        }  # fmt: skip
        if k < 3:
            uuid = f"f7f7f7f7-0000-4000-8000-{k:012d}"
            row.update(value=5000.0, alert={"uuid": uuid, "side": "upper", "status": "active"})
            report["alerts"].append({**row, "uuid": uuid, "side": "upper", "status": "active"})
        report["results"].append(row)
    return report


@pytest.mark.parametrize("fmt", ["markdown", "html", "human"])
@pytest.mark.parametrize("case", CASES)
def test_golden(case, fmt):
    expected = (DATA / f"{case}.{EXTENSIONS[fmt]}").read_text(encoding="utf-8")
    assert render(load(case), fmt, LINKS) == expected


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_tag_is_the_very_last_thing(fmt):
    for case in CASES:
        assert render(load(case), fmt, LINKS).rstrip().endswith(TAG)
    tagged = render(load("alerts"), fmt, LINKS, ci_id="linux-bench")
    assert tagged.rstrip().endswith('<div id="bencher.dev/projects/demo/id/linux-bench"></div>')


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_long_report_is_truncated_keeping_the_alert_count_and_the_link(fmt):
    report = long_report()
    text = render(report, fmt, LINKS)
    assert len(text) <= MAX_CHARS
    assert text == (DATA / f"truncated.{EXTENSIONS[fmt]}").read_text(encoding="utf-8")
    assert "Truncated view" in text and "3 alerts" in text
    assert LINKS.report(report["uuid"]) in text and text.rstrip().endswith(TAG)
    # A smaller limit (a check run's summary) is honoured too.
    assert len(render(report, fmt, LINKS, max_chars=20000)) <= 20000


def test_with_too_many_alerts_even_for_the_truncated_view_only_their_count_stays():
    report = long_report()
    report["alerts"] = report["alerts"] * 300
    text = render(report, "markdown", LINKS)
    assert len(text) <= MAX_CHARS
    assert "[900 alerts](https://bencher.example.com/console/projects/demo/alerts)" in text
    assert "suite::" not in text


def test_json_is_the_report_and_nothing_else():
    report = load("alerts")
    assert json.loads(render(report, "json", LINKS)) == report


def test_an_unknown_format_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="human, json, html, markdown"):
        render(load("empty"), "pdf", LINKS)
