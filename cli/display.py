"""Plain-text rendering of reports and jobs; pure functions from API JSON to strings.

Every function returns text and prints nothing, so the commands decide what goes to stdout
(data) and what to stderr (progress), and tests compare strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

ALERT_MARK = "!"
_ABBREV = re.compile(r"\(([^()]+)\)\s*$")
_STATUS_WORDS = {"completed": "processing"}


def status_word(status: str) -> str:
    """A job status as users read it: ``completed`` means the server is processing results."""
    return _STATUS_WORDS.get(status, status)


def number(value: float | int | None) -> str:
    """A readable number: thousands separators, at most 3 decimals, 4 significant below 1."""
    if value is None:
        return "-"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def unit_symbol(units: str | None) -> str:
    """``"nanoseconds (ns)"`` -> ``"ns"``; units without an abbreviation are kept whole."""
    if not units:
        return ""
    found = _ABBREV.search(units)
    return found.group(1) if found else units


def with_units(value: float | int | None, units: str | None) -> str:
    """``number(value)`` followed by the unit symbol."""
    symbol = unit_symbol(units)
    return f"{number(value)} {symbol}" if value is not None and symbol else number(value)


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


def _span(low: float | None, high: float | None, units: str | None) -> str:
    if low is None and high is None:
        return "-"
    return f"{with_units(low, units)} .. {with_units(high, units)}"


def _alert_text(alert: dict | None) -> str:
    if not alert:
        return ""
    side = {"lower": "below lower limit", "upper": "above upper limit"}.get(alert.get("side"), "")
    return f"ALERT {side}".strip()


def _columns(iterations: bool, alerts: bool, units: str | None) -> list[tuple]:
    """(header, right-aligned, cell function) for each column of a measure's table."""
    columns = [
        ("Iter", True, lambda r: str(r.get("iteration"))) if iterations else None,
        ("Benchmark", False, lambda r: r["benchmark"]),
        ("Value", True, lambda r: with_units(r.get("value"), units)),
        ("Bounds", False, lambda r: _span(r.get("lower_value"), r.get("upper_value"), units)),
        ("Baseline", True, lambda r: with_units(r.get("baseline"), units)),
        ("Limits", False, lambda r: _span(r.get("lower_limit"), r.get("upper_limit"), units)),
        ("Alert", False, lambda r: _alert_text(r.get("alert"))) if alerts else None,
    ]
    if alerts:  # a mark in the first column makes alert rows stand out when scanning
        columns.insert(0, (ALERT_MARK, False, lambda r: ALERT_MARK if r.get("alert") else ""))
    return [c for c in columns if c is not None]


def render_results(results: list[dict]) -> str:
    """One table per measure: benchmark, value, bounds, baseline, limits, and an alert mark."""
    if not results:
        return "No results."
    iterations = len({r.get("iteration") for r in results}) > 1
    alerts = any(r.get("alert") for r in results)
    by_measure: dict[str, list[dict]] = {}
    for row in results:
        by_measure.setdefault(row["measure"], []).append(row)
    blocks = []
    for measure, rows in by_measure.items():
        units = rows[0].get("units")
        columns = _columns(iterations, alerts, units)
        body = [[cell(r) for _, _, cell in columns] for r in rows]
        right = [i for i, (_, is_right, _) in enumerate(columns) if is_right]
        title = f"{measure} ({units})" if units else measure
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
        value, baseline = with_units(a.get("value"), units), with_units(a.get("baseline"), units)
        lines.append(
            f"{ALERT_MARK} ALERT {a['benchmark']} [{a['measure']}]: {value} is {where} limit "
            f"{with_units(limit, units)} (baseline {baseline})"
        )
    return "\n".join(lines)


def summary(report: dict) -> str:
    """``3 benchmarks, 2 measures, 1 iteration: 1 alert`` for the report."""
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
    return f"{counted}: {plural(alerts, 'alert') if alerts else 'no alerts'}"


def render_report(report: dict) -> str:
    """The whole human report: a header, the result tables, the alerts and a summary line."""
    where = " ".join(
        f"{key} {report[key]}"
        for key in ("project", "branch", "testbed", "adapter")
        if report.get(key)
    )
    header = f"Report {report.get('uuid', '(dry run)')}  {where}".rstrip()
    if report.get("hash"):
        header += f"  hash {report['hash']}"
    results = report.get("results") or []
    parts = [header, "", render_results(results)]
    units = {r["measure"]: r.get("units") for r in results}
    if report.get("alerts"):
        parts += ["", render_alerts(report["alerts"], units)]
    parts += ["", summary(report)]
    return "\n".join(parts)


def bmf_rows(iterations: list[dict], units_of=lambda measure: None) -> list[dict]:
    """Result rows (the API's shape, with no baseline or limits) from parsed BMF per iteration."""
    rows = []
    for i, bmf in enumerate(iterations):
        for bench in sorted(bmf):
            for measure in sorted(bmf[bench]):
                entry = bmf[bench][measure]
                rows.append(
                    {
                        "iteration": i,
                        "benchmark": bench,
                        "measure": measure,
                        "units": units_of(measure),
                        "value": entry.get("value"),
                        "lower_value": entry.get("lower_value"),
                        "upper_value": entry.get("upper_value"),
                        "alert": None,
                    }
                )
    return rows


def render_job_table(jobs: list[dict]) -> str:
    """``bencher job list``: one line per job."""
    if not jobs:
        return "No jobs."
    headers = ["UUID", "Status", "Spec", "Runner", "Created (UTC)", "Image"]
    rows = [
        [
            j["uuid"],
            status_word(j["status"]),
            (j.get("spec") or {}).get("slug") or "-",
            j.get("runner") or "-",
            _time(j.get("created")) or "-",
            j.get("image") or "-",
        ]
        for j in jobs
    ]
    return table(headers, rows)


def _time(value: str | None) -> str | None:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MM:SS`` in UTC; None when unset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _utc(value: str | None) -> str | None:
    shown = _time(value)
    return f"{shown} UTC" if shown else None


def render_job(job: dict) -> str:
    """``bencher job view``: status, spec, runner, times, error, then the output."""
    fields = [
        ("Job", job["uuid"]),
        ("Status", status_word(job["status"])),
        ("Project", job.get("project")),
        ("Report", job.get("report")),
        ("Image", job.get("image")),
        ("Digest", job.get("digest")),
        ("Spec", (job.get("spec") or {}).get("slug")),
        ("Runner", job.get("runner")),
        ("Priority", job.get("priority")),
        ("Timeout", f"{job['timeout']} s" if job.get("timeout") else None),
        ("Created", _utc(job.get("created"))),
        ("Claimed", _utc(job.get("claimed"))),
        ("Started", _utc(job.get("started"))),
        ("Completed", _utc(job.get("completed"))),
        ("Heartbeat", _utc(job.get("last_heartbeat"))),
        ("Processed", _utc(job.get("processed"))),
        ("Error", job.get("error")),
        ("Canceled", job.get("cancel_reason")),
    ]
    width = max(len(name) for name, _ in fields)
    lines = [
        f"{name + ':':<{width + 1}} {value}" for name, value in fields if value not in (None, "")
    ]
    output = render_output(job.get("output"))
    return "\n".join(lines) + (f"\n\n{output}" if output else "")


def render_output(output: list[dict] | None) -> str:
    """A job's output per iteration, each stream under a label; empty when there is none."""
    if not output:
        return ""
    blocks = []
    for i, it in enumerate(output, start=1):
        lines = [f"=== iteration {i}: exit code {it.get('exit_code')} ==="]
        for label, text in [("stdout", it.get("stdout")), ("stderr", it.get("stderr"))] + [
            (f"file {path}", text) for path, text in sorted((it.get("output") or {}).items())
        ]:
            if text:
                lines += [f"--- {label} ---", text.rstrip("\n")]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
