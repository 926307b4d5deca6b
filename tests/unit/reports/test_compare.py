"""What the numbers mean in every format: changes, limit shares, verdicts, the summary line,
the tag, escaping, and the console links."""

from __future__ import annotations

import pytest

from reports import ConsoleLinks, html, markdown
from reports.compare import (
    change,
    ci_tag,
    limit_percent,
    measures_without_threshold,
    summary_line,
    verdict,
)
from reports.document import Cell, Table


def test_change_and_limit_share():
    assert change(110.0, 100.0) == pytest.approx(10.0)
    assert change(-5.0, -10.0) == pytest.approx(50.0)  # against the baseline's magnitude
    assert change(1.0, 0.0) is None and change(None, 1.0) is None and change(1.0, None) is None
    assert limit_percent(125.0, 100.0) == pytest.approx(125.0)
    assert limit_percent(1.0, 0.0) is None and limit_percent(1.0, None) is None


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"value": 1.0, "alert": {"side": "lower"}}, "regression"),
        ({"value": 1.0, "baseline": None}, "new"),
        ({"value": 100.0, "baseline": 100.0}, "unchanged"),  # no threshold: no verdict beyond
        ({"value": 50.0, "baseline": 100.0}, "unchanged"),
        # Upper limit only (lower is better): below the mirrored limit is an improvement.
        ({"value": 89.0, "baseline": 100.0, "upper_limit": 110.0}, "improvement"),
        ({"value": 91.0, "baseline": 100.0, "upper_limit": 110.0}, "unchanged"),
        # Lower limit only (higher is better).
        ({"value": 111.0, "baseline": 100.0, "lower_limit": 90.0}, "improvement"),
        ({"value": 109.0, "baseline": 100.0, "lower_limit": 90.0}, "unchanged"),
        # Both sides watched: no good direction to tell.
        ({"value": 50.0, "baseline": 100.0, "lower_limit": 40.0, "upper_limit": 160.0},
         "unchanged"),
    ],
)  # fmt: skip
def test_verdicts(row, expected):
    assert verdict(row) == expected


def test_summary_line_counts_every_verdict_with_plurals():
    rows = [{"value": 1.0, "alert": {"side": "upper"}, "baseline": 1.0}, {"value": 1.0}]
    assert summary_line(rows) == "1 regression, 0 improvements, 0 unchanged, 1 new"
    assert summary_line([]) == "0 regressions, 0 improvements, 0 unchanged, 0 new"


def test_measures_without_threshold_keep_their_order():
    rows = [
        {"measure": "b", "threshold_uuid": None},
        {"measure": "a", "threshold_uuid": "t"},
        {"measure": "c"},
        {"measure": "b", "threshold_uuid": None},
    ]
    assert measures_without_threshold(rows) == ["b", "c"]


def test_the_tag_names_the_ci_id_or_the_kind_of_run():
    report = {
        "branch": {"slug": "feature", "name": "Feature"},
        "testbed": "linux",
        "adapter": "json",
    }
    assert ci_tag("demo", None, report) == (
        '<div id="bencher.dev/projects/demo/id/feature/linux/json"></div>'
    )
    assert (
        ci_tag("demo", "nightly", report) == '<div id="bencher.dev/projects/demo/id/nightly"></div>'
    )
    assert ci_tag("demo", 'a"b<c', report) == (
        '<div id="bencher.dev/projects/demo/id/a&quot;b&lt;c"></div>'
    )
    dry = {"branch": "main", "testbed": "linux", "adapter": "magic"}
    assert ci_tag("demo", None, dry).endswith('id/main/linux/magic"></div>')


def test_report_text_is_escaped_in_both_markups():
    table = Table(("Benchmark",), [(Cell("a|b *c* <script>_x_ [y](z)"),)])
    md = markdown._table(table).splitlines()[-1]
    assert md == r"| a\|b \*c\* \<script\>\_x\_ \[y\](z) |"
    assert "<td>a|b *c* &lt;script&gt;_x_ [y](z)</td>" in html._table(table)
    linked = Cell("r", "https://h/x?a=1&b=(2)")
    assert markdown._cell(linked) == "[r](https://h/x?a=1&b=%282%29)"
    assert html._cell(linked) == '<a href="https://h/x?a=1&amp;b=(2)">r</a>'


def test_console_links_follow_the_agreed_scheme():
    links = ConsoleLinks("http://127.0.0.1:6610/", "my proj")
    assert links.project_page() == "http://127.0.0.1:6610/console/projects/my%20proj"
    assert links.report("r1").endswith("/console/projects/my%20proj/reports/r1")
    assert links.alert("a1").endswith("/alerts/a1") and links.alerts().endswith("/alerts")
    assert links.threshold("t1").endswith("/thresholds/t1")
    report = {"branch": {"uuid": "b1", "head": {"uuid": "h1"}}, "testbed_uuid": "t1"}
    row = {"benchmark_uuid": "x1", "measure_uuid": "m1"}
    assert links.perf(report, row) == (
        "http://127.0.0.1:6610/console/projects/my%20proj/perf"
        "?branches=b1&heads=h1&testbeds=t1&benchmarks=x1&measures=m1"
    )
    # A dry run's pseudo-report has no uuids: the link keeps what it knows.
    assert links.perf({"branch": "main"}, {}).endswith("/perf")
