"""Plain-text rendering of reports and jobs; pure functions from API JSON to strings.

Every function returns text and prints nothing, so the commands decide what goes to stdout
(data) and what to stderr (progress), and tests compare strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cli.scale import Scale, choose_scale
from protocol.units import format_bytes, format_duration

ALERT_MARK = "!"
_STATUS_WORDS = {"completed": "processing"}
#: A job list shows job ids this long, or longer where two would share the prefix.
SHORT_ID = 8
_ERROR_WIDTH = 60


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


def with_units(value: float | int | None, units: str | None, scale: Scale | None = None) -> str:
    """The value in ``scale`` (default: the best one for this value) with its unit symbol:
    ``with_units(1500, "nanoseconds (ns)")`` is ``1.5 µs``."""
    scale = scale or choose_scale(units, [value])
    shown = number(scale.apply(value))
    return f"{shown} {scale.symbol}" if value is not None and scale.symbol else shown


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


def _columns(iterations: bool, alerts: bool, scale: Scale) -> list[tuple]:
    """(header, right-aligned, cell function) for each column of a measure's table; numbers
    in ``scale``, whose unit the table's title names once."""
    columns = [
        ("Iter", True, lambda r: str(r.get("iteration"))) if iterations else None,
        ("Benchmark", False, lambda r: r["benchmark"]),
        ("Value", True, lambda r: number(scale.apply(r.get("value")))),
        ("Bounds", False, lambda r: _span(r.get("lower_value"), r.get("upper_value"), scale)),
        ("Baseline", True, lambda r: number(scale.apply(r.get("baseline")))),
        ("Limits", False, lambda r: _span(r.get("lower_limit"), r.get("upper_limit"), scale)),
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
        scale = choose_scale(rows[0].get("units"), [r.get("value") for r in rows])
        columns = _columns(iterations, alerts, scale)
        body = [[cell(r) for _, _, cell in columns] for r in rows]
        right = [i for i, (_, is_right, _) in enumerate(columns) if is_right]
        title = f"{measure} ({scale.symbol})" if scale.symbol else measure
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
            f"{ALERT_MARK} ALERT {a['benchmark']} [{a['measure']}]: {value} is {where} limit "
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


def short_ids(uuids: Sequence[str]) -> dict[str, str]:
    """Each uuid's shortest prefix, at least :data:`SHORT_ID` long, that no other one shares
    (commands accept it wherever they take the uuid)."""

    def common(a: str, b: str) -> int:
        return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)))  # fmt: skip

    ordered = sorted(set(uuids))
    shortest = {}
    for i, uuid in enumerate(ordered):
        shared = max([common(uuid, o) for o in ordered[max(i - 1, 0) : i + 2] if o != uuid] or [0])
        shortest[uuid] = uuid[: max(SHORT_ID, shared + 1)]
    return shortest


def render_job_table(jobs: list[dict], now: datetime | None = None) -> str:
    """``bencher job list``: one line per job, with a short unique id, how long it ran (so
    far, at ``now``) and why it failed."""
    if not jobs:
        return "No jobs."
    now = now or datetime.now(UTC)
    ids = short_ids([j["uuid"] for j in jobs])
    headers = ["Job", "Status", "Spec", "Runner", "Created (UTC)", "Duration", "Image", "Error"]
    rows = [
        [
            ids[j["uuid"]],
            status_word(j["status"]),
            (j.get("spec") or {}).get("slug") or "-",
            j.get("runner") or "-",
            _time(j.get("created")) or "-",
            duration(j, now),
            j.get("image") or "-",
            _first_line(j.get("error") or j.get("cancel_reason") or ""),
        ]
        for j in jobs
    ]
    return table(headers, rows)


def duration(job: dict, now: datetime | None = None) -> str:
    """How long the job ran: from its start (or claim) to its end, or to ``now`` while it is
    held by a runner; ``-`` when it never started."""
    start = _moment(job.get("started") or job.get("claimed"))
    end = _moment(job.get("completed"))
    if end is None and job.get("status") in ("claimed", "running"):
        end = now or datetime.now(UTC)
    if start is None or end is None:
        return "-"
    return format_duration(max((end - start).total_seconds(), 0.0))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _ERROR_WIDTH else line[: _ERROR_WIDTH - 3] + "..."


def _moment(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def spec_text(spec: dict | None) -> str | None:
    """``default (2 CPUs, 1 GiB memory, 4 GiB disk)``."""
    if not spec:
        return None
    parts = []
    if spec.get("cpu"):
        parts.append(f"{spec['cpu']} CPU{'' if spec['cpu'] == 1 else 's'}")
    parts += [f"{format_bytes(spec[k])} {k}" for k in ("memory", "disk") if spec.get(k)]
    return f"{spec.get('slug')} ({', '.join(parts)})" if parts else spec.get("slug")


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
        ("Spec", spec_text(job.get("spec"))),
        ("Runner", job.get("runner")),
        ("Priority", job.get("priority")),
        ("Timeout", f"{job['timeout']} s" if job.get("timeout") else None),
        ("Duration", None if duration(job) == "-" else duration(job)),
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
        code = it.get("exit_code")
        ended = "could not start" if code is None else f"exit code {code}"
        lines = [f"=== iteration {i}: {ended} ==="]
        for label, text in [("stdout", it.get("stdout")), ("stderr", it.get("stderr"))] + [
            (f"file {path}", text) for path, text in sorted((it.get("output") or {}).items())
        ]:
            if text:
                lines += [f"--- {label} ---", text.rstrip("\n")]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _version(version: dict | None) -> str:
    if not version:
        return "-"
    return f"{version['number']}" + (f" ({version['hash'][:12]})" if version.get("hash") else "")


def render_branch_table(branches: list[dict]) -> str:
    """``bencher branch list``: one line per branch."""
    if not branches:
        return "No branches."
    headers = ["Slug", "Name", "Version", "Start point", "Archived"]
    rows = [
        [
            b["slug"],
            b["name"],
            _version((b.get("head") or {}).get("version")),
            _version(((b.get("head") or {}).get("start_point") or {}).get("version")),
            "yes" if b.get("archived") else "",
        ]
        for b in branches
    ]
    return table(headers, rows)


def render_branch(branch: dict, start_branch: dict | None = None) -> str:
    """``bencher branch view``: the branch, its head and where the head started."""
    head = branch.get("head") or {}
    start = head.get("start_point")
    fields = [
        ("Branch", f"{branch['name']} ({branch['slug']})"),
        ("UUID", branch["uuid"]),
        ("Head", head.get("uuid")),
        ("Version", _version(head.get("version"))),
        (
            "Start point",
            f"{start_branch['name'] if start_branch else start['branch']} "
            f"at version {_version(start['version'])}"
            if start
            else "none",
        ),
        ("Created", _utc(branch.get("created"))),
        ("Modified", _utc(branch.get("modified"))),
        ("Archived", _utc(branch.get("archived"))),
    ]
    width = max(len(name) for name, _ in fields)
    return "\n".join(f"{name + ':':<{width + 1}} {value}" for name, value in fields if value)
