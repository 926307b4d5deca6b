"""The history of one measure per benchmark on a branch's head and a testbed, newest first.

A head's history is every result whose version the head holds: its own runs and the versions
cloned from its start point. Threshold detection takes its statistical sample from here, and so
can any view of a benchmark's results over time. One statement answers for all the benchmarks
asked about. On PostgreSQL a LATERAL ``LIMIT`` per benchmark walks ``ix_report_benchmark_history``
(benchmark, testbed, start time; the report's dimensions are copied onto ``report_benchmark``
for this) newest first, keeping rows whose version is in the head (a unique-index probe of
``head_version``), so the cost follows the number of values returned, not the project's total
history. SQLite has no LATERAL; a window function ranks the rows per benchmark instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, literal, select, true

from app.extensions import db
from app.models import HeadVersion, Metric, ReportBenchmark

# "No limit" is still a LIMIT: the statement keeps one shape, so its plan does not change.
UNLIMITED = 2**31 - 1


def metric_history(
    benchmark_ids: Sequence[int],
    *,
    head_id: int,
    testbed_id: int,
    measure_id: int,
    until: datetime,
    since: datetime | None = None,
    limit: int | None = None,
    exclude_report_id: int | None = None,
) -> dict[int, list[float]]:
    """Per benchmark id, the measure's values from reports started in ``[since, until]``.

    Values come newest first (by report start time, then insertion), at most ``limit`` per
    benchmark; ``exclude_report_id`` leaves one report out (the one being judged). A benchmark
    without history is absent from the result.
    """
    conditions = [ReportBenchmark.testbed_id == testbed_id, _in_head(head_id)]
    if exclude_report_id is not None:
        conditions.append(ReportBenchmark.report_id != exclude_report_id)
    conditions += [ReportBenchmark.start_time <= until, Metric.measure_id == measure_id]
    if since is not None:
        conditions.append(ReportBenchmark.start_time >= since)
    limit = UNLIMITED if limit is None else limit
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(_lateral_statement(list(benchmark_ids), conditions, limit))
    else:
        rows = db.session.execute(_ranked_statement(list(benchmark_ids), conditions, limit))
    history: dict[int, list[float]] = defaultdict(list)
    for benchmark_id, value in rows:
        history[benchmark_id].append(value)
    return history


def _in_head(head_id: int):
    """The row's version is one of the head's: a unique-index probe of ``head_version``.

    Written as a scalar subquery on purpose. PostgreSQL turns ``IN (SELECT ...)`` and
    ``EXISTS`` into a join whose selectivity it cannot estimate (a head holds the *newest*
    rows, which statistics do not know; a new pull-request head is not in them at all), and
    then reads a benchmark's whole history, joins and sorts it: measured 10x slower at 1,000
    prior reports, growing with the history. A scalar subquery stays a per-row probe, so the
    plan is always the backward index walk that stops after ``limit`` rows.
    """
    member = (
        select(literal(1))
        .where(HeadVersion.head_id == head_id, HeadVersion.version_id == ReportBenchmark.version_id)
        .correlate(ReportBenchmark)
        .scalar_subquery()
    )
    return member.is_not(None)


def _lateral_statement(benchmark_ids: list[int], conditions: list, limit: int):
    wanted = select(func.unnest(benchmark_ids).label("benchmark_id")).subquery("wanted")
    sample = (
        select(Metric.value)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.benchmark_id == wanted.c.benchmark_id, *conditions)
        .order_by(ReportBenchmark.start_time.desc(), ReportBenchmark.id.desc())
        .limit(limit)
        .lateral("sample")
    )
    return select(wanted.c.benchmark_id, sample.c.value).join(sample, true())


def _ranked_statement(benchmark_ids: list[int], conditions: list, limit: int):
    rank = (
        func.row_number()
        .over(
            partition_by=ReportBenchmark.benchmark_id,
            order_by=(ReportBenchmark.start_time.desc(), ReportBenchmark.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(ReportBenchmark.benchmark_id, Metric.value, rank)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.benchmark_id.in_(benchmark_ids), *conditions)
        .subquery()
    )
    return (
        select(ranked.c.benchmark_id, ranked.c.value)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.benchmark_id, ranked.c.rank)
    )
