"""The content of a rich report (HTML or Markdown), independent of the markup.

:func:`build` turns the API's report JSON and the project's console links into a
:class:`Document`: title, a Project/Branch/Testbed table, warnings, the alerts, a summary line,
one results table per iteration and the closing tag. ``reports.html`` and ``reports.markdown``
only write it out, so both formats always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.compare import (
    change,
    ci_tag,
    limit_percent,
    measures_without_threshold,
    percent,
    share,
    summary_line,
)
from reports.links import ConsoleLinks
from reports.units import Scale, choose_scale, measure_title, number

ALERT_SIGN = "🚨"
WARNING_SIGN = "⚠️"


@dataclass(frozen=True)
class Cell:
    """A table cell: text (linked to ``href`` if set), and labelled links after it."""

    text: str
    href: str | None = None
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class Block:
    """A collapsible block: its one-line summary and its table."""

    summary: str
    table: Table


@dataclass(frozen=True)
class Document:
    title: Cell
    header: Table
    warnings: list[str]
    alert_count: int
    alerts_link: str
    alerts: Table | None
    summary: str
    blocks: list[Block] = field(default_factory=list)
    tag: str = ""


def build(
    report: dict, links: ConsoleLinks, ci_id: str | None = None, truncated: bool = False
) -> Document:
    """The document for ``report``. ``truncated``: leave out the results (and say so), for a
    report too long for where it goes."""
    results = report.get("results") or []
    alerts = report.get("alerts") or []
    branch = report.get("branch")
    branch_name = branch.get("name") if isinstance(branch, dict) else branch
    header = Table(
        ("Project", "Branch", "Testbed"),
        [
            (
                Cell(str(report.get("project") or links.project), links.project_page()),
                Cell(str(branch_name or "-")),
                Cell(str(report.get("testbed") or "-")),
            )
        ],
    )
    return Document(
        title=Cell("Bencher Report", links.report(report.get("uuid") or "")),
        header=header,
        warnings=_warnings(report, results, truncated, links),
        alert_count=len(alerts),
        alerts_link=links.alerts(),
        alerts=_alerts_table(report, alerts, links) if alerts else None,
        summary=summary_line(results),
        blocks=[] if truncated else _blocks(results),
        tag=ci_tag(links.project, ci_id, report),
    )


def _scale(row: dict) -> Scale:
    """A readable unit for the row's value, used for its baseline and limits too (results of
    one measure can lie orders of magnitude apart: 1.2 µs next to 9 ms)."""
    return choose_scale(row.get("units"), [row.get("value")])


def _shown(value: float | None, scale: Scale) -> str:
    if value is None:
        return "-"
    return f"{number(scale.apply(value))} {scale.symbol}".rstrip()


def _warnings(report: dict, results: list[dict], truncated: bool, links: ConsoleLinks) -> list:
    warnings = [str(w) for w in report.get("warnings") or ()]
    if not results:
        warnings.append("No benchmarks found.")
    elif missing := measures_without_threshold(results):
        warnings.append(
            f"No threshold found for: {', '.join(missing)}. Results are compared with their "
            "previous value, and no alert can be raised (add one with --threshold-measure)."
        )
    if truncated:
        warnings.append(
            f"Truncated view: the {len(results):,} results are left out; the full report is at "
            f"{links.report(report.get('uuid') or '')}"
        )
    return warnings


def _alerts_table(report: dict, alerts: list[dict], links: ConsoleLinks) -> Table:
    rows = []
    for alert in alerts:
        scale = _scale(alert)
        upper = alert.get("side") == "upper"
        limit = alert.get("upper_limit") if upper else alert.get("lower_limit")
        moved = percent(change(alert.get("value"), alert.get("baseline")))
        crossed = share(limit_percent(alert.get("value"), limit))
        rows.append(
            (
                Cell(alert["benchmark"]),
                Cell(measure_title(alert, scale)),
                Cell(_shown(alert.get("value"), scale) + (f" ({moved})" if moved else "")),
                Cell(
                    f"{'upper' if upper else 'lower'} {_shown(limit, scale)}"
                    + (f" ({crossed})" if crossed else "")
                ),
                Cell(
                    "",
                    links=tuple(
                        (label, url)
                        for label, url in (
                            ("plot", links.perf(report, alert)),
                            ("threshold", _maybe(links.threshold, alert.get("threshold_uuid"))),
                            ("alert", _maybe(links.alert, alert.get("uuid"))),
                        )
                        if url
                    ),
                ),
            )
        )
    return Table(
        ("Benchmark", "Measure (units)", "Value (change)", "Limit crossed (limit %)", "Links"),
        rows,
    )


def _maybe(link, uuid: str | None) -> str | None:
    return link(uuid) if uuid else None


def _blocks(results: list[dict]) -> list[Block]:
    by_iteration: dict[int, list[dict]] = {}
    for row in results:
        by_iteration.setdefault(row.get("iteration") or 0, []).append(row)
    count = len(by_iteration)
    blocks = []
    for position, (_, rows) in enumerate(sorted(by_iteration.items()), start=1):
        label = "Results" if count == 1 else f"Results of iteration {position} of {count}"
        alerts = sum(1 for row in rows if row.get("alert"))
        note = f", {alerts} alert{'' if alerts == 1 else 's'}" if alerts else ""
        table = Table(
            (
                "Benchmark",
                "Measure (units)",
                "Value",
                "Baseline",
                "Change",
                "Lower limit",
                "Upper limit",
            ),  # fmt: skip
            [_result_row(row, _scale(row)) for row in rows],
        )
        blocks.append(Block(f"{label}: {len(rows):,} result{'' if len(rows) == 1 else 's'}{note}",
                            table))  # fmt: skip
    return blocks


def _result_row(row: dict, scale: Scale) -> tuple[Cell, ...]:
    value = row.get("value")

    def limit(key: str) -> Cell:
        of_limit = share(limit_percent(value, row.get(key)))
        return Cell(_shown(row.get(key), scale) + (f" ({of_limit})" if of_limit else ""))

    return (
        Cell((f"{ALERT_SIGN} " if row.get("alert") else "") + row["benchmark"]),
        Cell(measure_title(row, scale)),
        Cell(_shown(value, scale)),
        Cell(_shown(row.get("baseline"), scale)),
        Cell(percent(change(value, row.get("baseline"))) or "-"),
        limit("lower_limit"),
        limit("upper_limit"),
    )
