"""The statements behind :mod:`app.services.perf`: metric rows as JSON text, the thresholds
and alerts they name, and plot points.

The row statements select the wanted combinations with ``IN`` lists (the combinations are a
cross product) and return each row's combination ids first, oldest row first per combination.

Each metric row's JSON text is stored with the metric when its report is processed
(``metric_perf``; :mod:`app.services.perf_json` says why and how the database writes it),
so the JSON statement only selects, orders and joins stored texts: those after the series'
chunks (:mod:`app.services.perf_chunks`), which hold the rest. Their threshold and alert
objects are markers: :func:`thresholds_statement` writes each threshold once (the same ~300
bytes for thousands of rows: written into every row it was 12 of 27 MB that the database
copied, sent and Python decoded), :func:`alert_texts` each alert, live, and
:func:`app.services.perf.perf` splices them in.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, case, cast, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.types import ARRAY, Float, Integer, Text

from app.extensions import db
from app.models import (
    Alert,
    Boundary,
    HeadVersion,
    Metric,
    MetricPerf,
    Model,
    ReportBenchmark,
    Threshold,
)
from app.services.perf_chunks import row_keys, rows_after
from app.services.perf_json import (
    ALERT_KEY,
    alert_json,
    concat,
    json_number,
    json_object,
    json_string,
    json_time,
    text,
)

if TYPE_CHECKING:
    from app.services.perf import PerfQuery, Series


#: Sort memory for the JSON statement on PostgreSQL: its 40,000 sorted rows of ~700 bytes spill
#: to disk at the default 4 MB, which made the statement ~30 % slower (benchmarks/bench_perf.py).
SORT_MEMORY = "64MB"


def allow_sort_memory() -> None:
    """Let this transaction's sorts use :data:`SORT_MEMORY` (PostgreSQL; ``SET LOCAL`` ends
    with the transaction, which the request's teardown rolls back or the view commits)."""
    if _dialect() == "postgresql":
        db.session.execute(sql_text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def json_rows_statement(series: list[Series], query: PerfQuery, after: dict):
    """Rows of (head id, testbed id, benchmark id, measure id, JSON text), oldest first: the
    metrics' stored rows (``metric_perf``, :mod:`app.services.perf_json`), whose threshold and
    alert are markers. The stored rows stand in for the metrics: ``metric`` is not read.
    Of a series in ``after``, only the rows after its key there: the last of its chunks
    that the request read (:class:`app.services.perf_chunks.Chunks`).

    On PostgreSQL one row per combination, its text the comma-separated metric rows
    (``string_agg`` ordered by time): four long texts are fetched much faster than 40,000 rows
    through the driver and SQLAlchemy. SQLite cannot order an aggregate's input (before 3.44),
    so there it is one row per metric, sorted by the same keys.
    """
    if _dialect() == "postgresql":
        order = aggregate_order_by(text(","), ReportBenchmark.start_time, ReportBenchmark.id)
        statement = _rows(series, query, [func.string_agg(MetricPerf.perf_json, order)], MetricPerf)
        statement = statement.order_by(None).group_by(*row_keys())
    else:
        statement = _rows(series, query, [MetricPerf.perf_json], MetricPerf)
    return _after_chunks(statement, series, after)


def _after_chunks(statement, series: list[Series], after: dict | None, perf=MetricPerf):
    """``statement`` limited, for the series in ``after``, to their rows after its key."""
    if not after:
        return statement
    return statement.where(
        rows_after({s.key: after.get(s.key, (None, None)) for s in series}, perf)
    )


#: Alerts per statement in :func:`alert_texts`: bounded parameters (SQLite allows 32,766).
ALERT_BATCH = 1000


def alert_texts(alert_ids: list[int]) -> list[tuple[str, str]]:
    """(alert key: ``a<id>``, the alert object's JSON text) for each alert: the live part of
    the rows. By primary key, in statements of :data:`ALERT_BATCH`: the 400 alerts of
    ``benchmarks/bench_perf.py`` take ~4 ms so, where reaching them through the selection's
    joins again took ~15 ms."""
    statement = _alerts_statement(_dialect())
    found = []
    for start in range(0, len(alert_ids), ALERT_BATCH):
        batch = alert_ids[start : start + ALERT_BATCH]
        found += db.session.execute(statement, {"ids": batch}).all()
    return found


@functools.cache
def _alerts_statement(dialect: str):
    # PostgreSQL takes the ids as one array parameter (measured ~2 ms less than 400 expanded
    # parameters, within the noise of a shared machine); SQLite has no arrays.
    if dialect == "postgresql":
        wanted = Alert.id == func.any(bindparam("ids", type_=ARRAY(Integer)))
    else:
        wanted = Alert.id.in_(bindparam("ids", expanding=True))
    return select(text(ALERT_KEY) + cast(Alert.id, Text), alert_json(dialect)).where(wanted)


def points_statement(series: list[Series], query: PerfQuery, after: dict | None = None):
    """One row per combination with data: (the four ids, then six comma-separated lists of numbers:
    row ids, epoch seconds, values, lower and upper limits (NaN for none), alerted (1 or 0)); of
    a series in ``after``, only its rows after its key there (those after the chunks the request
    read, :class:`app.services.perf_chunks.Chunks`). The lists arrive as a few strings that
    numpy parses, instead of row tuples of Python floats."""
    if _dialect() == "postgresql":
        epoch = cast(func.extract("epoch", ReportBenchmark.start_time), Float)
        aggregate = func.string_agg
    else:
        epoch = (func.julianday(ReportBenchmark.start_time) - 2440587.5) * 86400.0
        aggregate = func.group_concat
    lists = [
        aggregate(func.coalesce(cast(column, Text), text("NaN")), text(","))
        for column in (ReportBenchmark.id, epoch, Metric.value, Boundary.lower_limit,
                       Boundary.upper_limit, case((Alert.id.is_(None), 0), else_=1))
    ]  # fmt: skip
    statement = (
        _rows(series, query, lists)
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
        .order_by(None)
        .group_by(*row_keys(Metric))
    )
    return _after_chunks(statement, series, after, Metric)


def _rows(series: list[Series], query: PerfQuery, columns: list, metric=Metric):
    """The selected combinations' rows of ``metric`` (:class:`Metric`, or :class:`MetricPerf`
    that is keyed like it), the combination's ids first, oldest first."""
    conditions = [
        ReportBenchmark.benchmark_id.in_(sorted({s.benchmark.id for s in series})),
        ReportBenchmark.testbed_id.in_(sorted({s.testbed.id for s in series})),
        metric.measure_id.in_(sorted({s.measure.id for s in series})),
        HeadVersion.head_id.in_(sorted({s.head.id for s in series})),
    ]
    if query.start_time is not None:
        conditions.append(ReportBenchmark.start_time >= query.start_time)
    if query.end_time is not None:
        conditions.append(ReportBenchmark.start_time <= query.end_time)
    return (
        select(*row_keys(metric), *columns)
        .select_from(ReportBenchmark)
        .join(metric, metric.report_benchmark_id == ReportBenchmark.id)
        .join(HeadVersion, HeadVersion.version_id == ReportBenchmark.version_id)
        .where(and_(*conditions))
        .order_by(ReportBenchmark.start_time, ReportBenchmark.id)
    )


def thresholds_statement(model_ids: list[int]):
    """Rows of (model id as text, its ``threshold`` object as JSON text:
    ``{uuid, model: {...}}``)."""
    model = json_object(
        ("uuid", json_string(Model.uuid)),
        ("test", json_string(Model.test)),
        ("min_sample_size", json_number(Model.min_sample_size)),
        ("max_sample_size", json_number(Model.max_sample_size)),
        ("window", json_number(Model.window)),
        ("lower_boundary", json_number(Model.lower_boundary)),
        ("upper_boundary", json_number(Model.upper_boundary)),
        ("k", json_number(Model.k)),
        ("fdr", json_number(Model.fdr)),
        ("created", json_time(Model.created, _dialect())),
    )
    threshold = concat(json_object(("uuid", json_string(Threshold.uuid)), ("model", model)))
    return (
        select(cast(Model.id, Text), threshold)
        .join(Threshold, Threshold.id == Model.threshold_id)
        .where(Model.id.in_(model_ids))
    )


def _dialect() -> str:
    return db.session.get_bind().dialect.name
