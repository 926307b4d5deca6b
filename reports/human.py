"""The report as plain text for a terminal: what ``bencher run`` prints by default.

Pure functions from the API's report JSON to strings; the caller decides where they go.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.compare import change, percent
from reports.units import (
    Scale,
    choose_scale,
    measure_name,
    measure_title,
    number,
    with_units,
)

ALERT_MARK = "!"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; columns listed in ``right`` are right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _span(low: float | None, high: float | None, scale: Scale) -> str:
    if low is None and high is None:
        return "-"
    return f"{number(scale.apply(low))} .. {number(scale.apply(high))}"


def _alert_text(alert: dict | None) -> str:
    if not alert:
        return ""
    side = {"lower": "below lower limit", "upper": "above upper limit"}.get(alert.get("side"), "")
    return f"ALERT {side}".strip()


def _columns(iterations: bool, alerts: bool, compared: bool, scale: Scale) -> list[tuple]:
    """(header, right-aligned, cell function) for each column of a measure's table; numbers
    in ``scale``, whose unit the table's title names once. ``compared``: some result has a
    baseline, so the change against it gets a column."""
    columns = [
        ("Iter", True, lambda r: str(r.get("iteration"))) if iterations else None,
        ("Benchmark", False, lambda r: r["benchmark"]),
        ("Value", True, lambda r: number(scale.apply(r.get("value")))),
        ("Bounds", False, lambda r: _span(r.get("lower_value"), r.get("upper_value"), scale)),
        ("Baseline", True, lambda r: number(scale.apply(r.get("baseline")))),
        ("vs base", True, lambda r: percent(change(r.get("value"), r.get("baseline"))) or "-")
        if compared
        else None,
        ("Limits", False, lambda r: _span(r.get("lower_limit"), r.get("upper_limit"), scale)),
        ("Alert", False, lambda r: _alert_text(r.get("alert"))) if alerts else None,
    ]
    if alerts:  # a mark in the first column makes alert rows stand out when scanning
        columns.insert(0, (ALERT_MARK, False, lambda r: ALERT_MARK if r.get("alert") else ""))
    return [c for c in columns if c is not None]


def render_results(results: list[dict]) -> str:
    """One table per measure: benchmark, value, bounds, baseline and the change against it,
    limits, and an alert mark."""
    if not results:
        return "No results."
    iterations = len({r.get("iteration") for r in results}) > 1
    alerts = any(r.get("alert") for r in results)
    compared = any(r.get("baseline") is not None for r in results)
    by_measure: dict[str, list[dict]] = {}
    for row in results:
        by_measure.setdefault(row["measure"], []).append(row)
    blocks = []
    for rows in by_measure.values():
        scale = choose_scale(rows[0].get("units"), [r.get("value") for r in rows])
        columns = _columns(iterations, alerts, compared, scale)
        body = [[cell(r) for _, _, cell in columns] for r in rows]
        right = [i for i, (_, is_right, _) in enumerate(columns) if is_right]
        title = measure_title(rows[0], scale)
        blocks.append(f"{title}\n{table([c[0] for c in columns], body, right)}")
    return "\n\n".join(blocks)


def render_alerts(alerts: list[dict], units_by_measure: dict[str, str | None]) -> str:
    """One line per alert: which benchmark and measure, its value, the limit it crossed."""
    lines = []
    for a in alerts:
        units = units_by_measure.get(a["measure"])
        upper = a.get("side") == "upper"
        limit = a.get("upper_limit") if upper else a.get("lower_limit")
        where = "above the upper" if upper else "below the lower"
        scale = choose_scale(units, [a.get("value")])  # one unit for the whole line
        value, baseline = (with_units(a.get(k), units, scale) for k in ("value", "baseline"))
        lines.append(
            f"{ALERT_MARK} ALERT {a['benchmark']} [{measure_name(a)}]: {value} is {where} limit "
            f"{with_units(limit, units, scale)} (baseline {baseline}{_p_text(a)})"
        )
    return "\n".join(lines)


def _p_text(row: dict) -> str:
    """``, p 0.0003, adjusted 0.012`` where the model gives a p-value (and fdr adjusted it)."""
    text = ""
    if row.get("p_value") is not None:
        text += f", p {row['p_value']:.2g}"
    if row.get("adjusted_p_value") is not None:
        text += f", adjusted {row['adjusted_p_value']:.2g}"
    return text


def summary(report: dict) -> str:
    """``3 benchmarks, 2 measures, 1 iteration: 1 alert`` for the report, and how many alerts
    a report like it raises by chance when the server says (``false_alerts.expected``)."""
    results = report.get("results") or []
    benchmarks = len({r["benchmark"] for r in results})
    measures = len({r["measure"] for r in results})
    iterations = len({r.get("iteration") for r in results})
    alerts = len(report.get("alerts") or [])

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    counted = ", ".join(
        [
            plural(benchmarks, "benchmark"),
            plural(measures, "measure"),
            plural(iterations, "iteration"),
        ]
    )
    line = f"{counted}: {plural(alerts, 'alert') if alerts else 'no alerts'}"
    expected = (report.get("false_alerts") or {}).get("expected")
    if expected is not None:
        line += f" ({expected:.2g} expected by chance at these settings)"
    return line


def render_report(report: dict) -> str:
    """The whole human report: a header, the result tables, the alerts and a summary line."""
    labels = {key: report.get(key) for key in ("project", "branch", "testbed", "adapter")}
    if isinstance(labels["branch"], dict):  # the API's branch object; a dry run has a name
        labels["branch"] = labels["branch"]["name"]
    where = " ".join(f"{key} {value}" for key, value in labels.items() if value)
    header = f"Report {report.get('uuid', '(dry run)')}  {where}".rstrip()
    if report.get("version"):
        header += f"  version {report['version']['number']}"
    if report.get("hash"):
        header += f"  hash {report['hash']}"
    results = report.get("results") or []
    parts = [header]
    parts += [f"Warning: {warning}" for warning in report.get("warnings") or ()]
    parts += ["", render_results(results)]
    units = {r["measure"]: r.get("units") for r in results}
    if report.get("alerts"):
        parts += ["", render_alerts(report["alerts"], units)]
    parts += ["", summary(report)]
    return "\n".join(parts)
