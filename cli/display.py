"""Plain-text rendering of jobs and branches; pure functions from API JSON to strings.

Every function returns text and prints nothing, so the commands decide what goes to stdout
(data) and what to stderr (progress), and tests compare strings. Reports are rendered by the
``reports`` library, in every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from protocol.units import format_bytes, format_duration
from reports.human import table
from reports.units import Scale, measure_title, unit_symbol

_STATUS_WORDS = {"completed": "processing"}
#: A job list shows job ids this long, or longer where two would share the prefix.
SHORT_ID = 8
_ERROR_WIDTH = 60


def status_word(status: str) -> str:
    """A job status as users read it: ``completed`` means the server is processing results."""
    return _STATUS_WORDS.get(status, status)


def bmf_rows(iterations: list[dict], measure_info=lambda measure: (measure, None)) -> list[dict]:
    """Result rows (the API's shape, with no baseline or limits) from parsed BMF per iteration;
    ``measure_info`` gives a measure slug's (name, units)."""
    rows = []
    for i, bmf in enumerate(iterations):
        for bench in sorted(bmf):
            for measure in sorted(bmf[bench]):
                entry = bmf[bench][measure]
                name, units = measure_info(measure)
                rows.append(
                    {
                        "iteration": i,
                        "benchmark": bench,
                        "measure": measure,
                        "measure_name": name,
                        "units": units,
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


def _number(value) -> str:
    return "-" if value is None else f"{value:g}"


def _measure(row: dict) -> str:
    """``Latency (ns)``: the measure's name with its units' symbol, as the report tables and
    the console show it (values beside it are in those units)."""
    return measure_title(row, Scale(unit_symbol(row.get("units"))))


def _named(measure: dict) -> dict:
    """The perf API's measure object in a result row's keys."""
    return {"measure": measure["slug"], "measure_name": measure.get("name"),
            "units": measure.get("units")}  # fmt: skip


def render_alert_table(alerts: list[dict]) -> str:
    """``bencher alert list``: one line per alert, with a short unique id."""
    if not alerts:
        return "No alerts."
    ids = short_ids([a["uuid"] for a in alerts])
    headers = ["Alert", "Status", "Benchmark", "Measure", "Value", "Limit", "Side", "Created (UTC)"]
    rows = [
        [
            ids[a["uuid"]], a["status"], a.get("benchmark") or "-", _measure(a),
            _number(a["value"]), _number(a.get(f"{a['side']}_limit")), a["side"],
            _time(a.get("created")) or "-",
        ]
        for a in alerts
    ]  # fmt: skip
    return table(headers, rows, right=(4, 5))


def render_alert(alert: dict) -> str:
    """``bencher alert view``: the alert's fields, one per line."""
    fields = [
        ("Alert", alert["uuid"]), ("Status", alert["status"]),
        ("Benchmark", alert.get("benchmark")), ("Measure", _measure(alert)),
        ("Value", _number(alert["value"])), ("Side", alert["side"]),
        ("Baseline", _number(alert.get("baseline"))),
        ("Lower limit", _number(alert.get("lower_limit"))),
        ("Upper limit", _number(alert.get("upper_limit"))),
        ("Report", alert.get("report")), ("Created", _utc(alert.get("created"))),
        ("Modified", _utc(alert.get("modified"))),
    ]  # fmt: skip
    return "\n".join(f"{name}: {value}" for name, value in fields if value is not None)


def render_perf_table(perf: dict) -> str:
    """``bencher perf``: one line per metric, series after series, oldest first."""
    headers = ["Benchmark", "Measure", "Branch", "Testbed", "Start (UTC)", "Version", "Value",
               "Lower limit", "Upper limit", "Alert"]  # fmt: skip
    rows = []
    for series in perf["results"]:
        for row in series["metrics"]:
            boundary = row.get("boundary") or {}
            alert = row.get("alert")
            version = row["version"]
            rows.append([
                series["benchmark"]["name"], _measure(_named(series["measure"])),
                series["branch"]["slug"], series["testbed"]["slug"],
                _time(row["start_time"]) or "-",
                f"{version['number']}" + (f" ({version['hash'][:12]})" if version["hash"] else ""),
                _number(row["metric"]["value"]), _number(boundary.get("lower_limit")),
                _number(boundary.get("upper_limit")),
                f"{alert['limit']} ({alert['status']})" if alert else "-",
            ])  # fmt: skip
    if not rows:
        return "No results for this selection."
    return table(headers, rows, right=(6, 7, 8))
