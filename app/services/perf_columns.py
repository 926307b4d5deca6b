"""The perf query's points as columns, for the console's interactive plot.

uPlot draws from one array per field, and a point's tooltip and click need its report, version
and alert besides its value and limits. This reads exactly those, with the perf query's own
selection and joins (:func:`app.services.perf.select_series`, the plot image's statement), as
one row of lists per series: parsing the perf API's JSON object per point instead cost more
than the query at 40,000 points (measured: 0.3 s on top of 0.5 s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Text, cast, func, literal

from app.extensions import db
from app.models import Alert, Project, Report, ReportBenchmark, Version
from app.services.perf import PerfQuery, Series, select_series
from app.services.perf_rows import points_statement


@dataclass(frozen=True)
class ColumnSeries:
    """One series' points, oldest first: ``time`` in epoch seconds; ``lower``/``upper`` the
    boundary's limits and ``alert`` the alert's status, None where the point has none."""

    series: Series
    time: list[float]
    version: list[int]
    hash: list[str | None]
    report: list[str]
    value: list[float]
    lower: list[float | None]
    upper: list[float | None]
    alert: list[str | None]


def perf_columns(project: Project, query: PerfQuery) -> list[ColumnSeries]:
    """Each requested series that has points, in request order: one statement for them all.

    The statement is the plot image's (:func:`app.services.perf_rows.points_statement`: one
    row per series of comma-separated lists) with four more lists: version numbers, commit
    hashes, report uuids and alert statuses (none of which can hold a comma).
    """
    series = select_series(project, query)
    if not series:
        return []
    statement = (
        points_statement(series, query)
        .add_columns(*(_joined(column) for column in (
            cast(Version.number, Text), Version.hash, Report.uuid, Alert.status
        )))
        .join(Report, Report.id == ReportBenchmark.report_id)
        .join(Version, Version.id == ReportBenchmark.version_id)
    )  # fmt: skip
    found = {}
    for head_id, testbed_id, benchmark_id, measure_id, *lists in db.session.execute(statement):
        row_ids, times, values, lower, upper = (
            np.array(text.split(","), dtype=float) for text in lists[:5]
        )
        numbers, hashes, reports, alerts = (
            np.array(text.split(","), dtype=object) for text in lists[6:]
        )
        # An aggregate's input order is not defined; every list of one row shares it, so one
        # sort by time, then row, puts them all oldest first.
        order = np.lexsort((row_ids, times))
        found[(head_id, testbed_id, benchmark_id, measure_id)] = dict(
            time=times[order].tolist(),
            version=[int(n) for n in numbers[order]],
            hash=[h or None for h in hashes[order]],
            report=reports[order].tolist(),
            value=values[order].tolist(),
            lower=_nullable(lower[order]),
            upper=_nullable(upper[order]),
            alert=[a or None for a in alerts[order]],
        )
    return [ColumnSeries(s, **found[s.key]) for s in series if s.key in found]


def _joined(column):
    """The column's values of a series as one comma-separated text ('' for null)."""
    dialect = db.session.get_bind().dialect.name
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    return aggregate(func.coalesce(column, literal("", Text)), literal(",", Text))


def _nullable(values: np.ndarray) -> list[float | None]:
    """NaN (how the plot statement writes a missing limit) as None: JSON has no NaN."""
    return [None if math.isnan(v) else v for v in values.tolist()]
