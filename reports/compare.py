"""What a report's numbers mean, the same in every format: change against the baseline, how
close a value came to a limit, the verdict on each result and the report's summary line.

A result row is the API's (``app/schemas/report.py``): ``value``, ``baseline`` (the threshold's,
else the previous value: ``baseline_source``), ``lower_limit``, ``upper_limit``, ``alert``.
"""

from __future__ import annotations

from collections import Counter
from html import escape

REGRESSION = "regression"
IMPROVEMENT = "improvement"
UNCHANGED = "unchanged"
NEW = "new"
VERDICTS = (REGRESSION, IMPROVEMENT, UNCHANGED, NEW)
_WORDS = {
    REGRESSION: ("regression", "regressions"),
    IMPROVEMENT: ("improvement", "improvements"),
    UNCHANGED: ("unchanged", "unchanged"),
    NEW: ("new", "new"),
}


def change(value: float | None, baseline: float | None) -> float | None:
    """Percent change of ``value`` from ``baseline`` (None when either is missing or the
    baseline is zero, where a percentage means nothing)."""
    if value is None or baseline is None or baseline == 0:
        return None
    return (value - baseline) / abs(baseline) * 100.0


def limit_percent(value: float | None, limit: float | None) -> float | None:
    """``value`` as a percentage of ``limit`` (Bencher's "Limit %": past 100 % on the upper
    side, under 100 % on the lower side, it alerts)."""
    if value is None or limit is None or limit == 0:
        return None
    return value / limit * 100.0


def percent(number: float | None) -> str:
    """``+12.34%``, ``-0.50%``; an empty string for None."""
    return "" if number is None else f"{number:+.2f}%"


def share(number: float | None) -> str:
    """``125.00%`` (no sign: a share of a limit, not a change); an empty string for None."""
    return "" if number is None else f"{number:.2f}%"


def verdict(row: dict) -> str:
    """One result's verdict.

    - regression: it raised an alert (it crossed a limit of its threshold);
    - improvement: a threshold that watches one side only judged it, and it lies beyond the
      mirror image of that limit around the baseline (as far in the good direction as the limit
      is in the bad one). With limits on both sides every crossing is an alert, so there is no
      good direction to tell;
    - new: there is nothing to compare it with (no baseline);
    - unchanged: everything else.
    """
    if row.get("alert"):
        return REGRESSION
    value, baseline = row.get("value"), row.get("baseline")
    if baseline is None or value is None:
        return NEW
    lower, upper = row.get("lower_limit"), row.get("upper_limit")
    if upper is not None and lower is None and value < baseline - (upper - baseline):
        return IMPROVEMENT
    if lower is not None and upper is None and value > baseline + (baseline - lower):
        return IMPROVEMENT
    return UNCHANGED


def summary_line(results: list[dict]) -> str:
    """``2 regressions, 1 improvement, 10 unchanged, 3 new``."""
    counts = Counter(verdict(row) for row in results)
    return ", ".join(f"{counts[name]:,} {_WORDS[name][counts[name] != 1]}" for name in VERDICTS)


def measures_without_threshold(results: list[dict]) -> list[str]:
    """The measures of which no result was judged by a threshold, in order of appearance."""
    measures = dict.fromkeys(row["measure"] for row in results)
    judged = {row["measure"] for row in results if row.get("threshold_uuid")}
    return [measure for measure in measures if measure not in judged]


def ci_tag(project: str, ci_id: str | None, report: dict) -> str:
    """The hidden element that ends a comment: how a later run finds the comment to update.
    ``ci_id`` when given, else the report's branch, testbed and adapter (one comment per kind
    of run on a pull request, as Bencher does)."""
    if not ci_id:
        branch = report.get("branch")
        branch = branch.get("slug") or branch.get("name") if isinstance(branch, dict) else branch
        ci_id = f"{branch}/{report.get('testbed')}/{report.get('adapter')}"
    return f'<div id="{escape(f"bencher.dev/projects/{project}/id/{ci_id}")}"></div>'
