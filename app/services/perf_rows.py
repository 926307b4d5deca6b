"""The statements behind :mod:`app.services.perf`: metric rows as JSON text, the thresholds
they name, and plot points.

The row statements select the wanted combinations with ``IN`` lists (the combinations are a
cross product) and return each row's combination ids first, oldest row first per combination.

**Why the database writes the JSON, by concatenation.** A perf answer can hold 40,000 rows of
about 700 bytes. Building them in Python (a row object per metric, then ``json.dumps``) took
over a second; ``json_build_object`` in PostgreSQL still ~0.5 s, because it looks up every
argument's output function on every call. Plain string concatenation (``||``) of columns cast
to text is several times cheaper and is the same SQL on SQLite and PostgreSQL. It is safe
because no concatenated value needs JSON escaping: uuids, commit hashes (hex), model tests,
alert sides and statuses are closed alphabets, numbers are cast by the database (finite
floats print as JSON numbers: ``100``/``100.0``, ``1e-07``/``1.0e-07``; every stored value and
limit is finite or null, as ``adapters.bmf.finalize`` and ``thresholds`` guarantee) and times
are formatted below.

**Why the threshold is a marker.** The threshold object (~300 bytes) is the same for thousands
of rows: written into every row it was 12 of 27 MB that the database copied, sent and Python
decoded (``benchmarks/bench_perf.py``: 40 ms of 170). So a row holds ``@<model id>@`` in its
place (``@`` appears in no other value, by the closed alphabets above), each model's text is
written once by :func:`thresholds_statement`, and :func:`app.services.perf.perf` splices it in.

Times print as ISO 8601 in UTC with the fraction trimmed (``2024-05-01T00:00:00+00:00``,
``…T00:00:00.5+00:00``), the same on both databases: PostgreSQL's ``timestamp::text``, and on
SQLite the stored text with its zero microseconds trimmed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, case, cast, func, literal, select, type_coerce
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.types import Float, Text

from app.extensions import db
from app.models import (
    Alert,
    Boundary,
    HeadVersion,
    Metric,
    Model,
    Report,
    ReportBenchmark,
    Threshold,
    Version,
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


#: Delimits the model id that stands for a row's threshold object (see the module docstring).
THRESHOLD_MARKER = "@"


def json_rows_statement(series: list[Series], query: PerfQuery):
    """Rows of (head id, testbed id, benchmark id, measure id, JSON text), oldest first; the
    text's threshold is ``@<model id>@`` (:data:`THRESHOLD_MARKER`) or ``null``.

    On PostgreSQL one row per combination, its text the comma-separated metric rows
    (``string_agg`` ordered by time): four long texts are fetched much faster than 40,000 rows
    through the driver and SQLAlchemy. SQLite cannot order an aggregate's input (before 3.44),
    so there it is one row per metric, the rows sorted in a subquery before their text is
    written (the outer ``ORDER BY`` repeats the keys to make the order a guarantee).
    """
    postgres = _dialect() == "postgresql"
    picked = (
        _rows(series, query, [
            ReportBenchmark.start_time, ReportBenchmark.id.label("row_id"),
            Report.uuid.label("report"), ReportBenchmark.iteration,
            Report.start_time.label("report_start"), Report.end_time.label("report_end"),
            Version.number, Version.hash,
            Metric.uuid.label("metric"), Metric.value, Metric.lower_value, Metric.upper_value,
            Boundary.model_id, Boundary.id.label("boundary"), Boundary.baseline,
            Boundary.lower_limit, Boundary.upper_limit,
            Alert.id.label("alert"), Alert.uuid.label("alert_uuid"), Alert.side, Alert.status,
            Alert.modified,
        ])
        .join(Report, Report.id == ReportBenchmark.report_id)
        .join(Version, Version.id == ReportBenchmark.version_id)
    )  # fmt: skip
    # string_agg sorts its own input: an ORDER BY in the subquery would be a second sort.
    picked = (picked.order_by(None) if postgres else picked).subquery("picked")
    c = picked.c
    row = _concat(_object(
        ("report", _string(c.report, null=False)),
        ("iteration", _number(c.iteration, null=False)),
        ("start_time", _time(c.report_start, null=False)),
        ("end_time", _time(c.report_end, null=False)),
        ("version", _object(("number", _number(c.number, null=False)),
                            ("hash", _string(c.hash)))),
        ("metric", _object(
            ("uuid", _string(c.metric, null=False)),
            ("value", _number(c.value, null=False)),
            ("lower_value", _number(c.lower_value)),
            ("upper_value", _number(c.upper_value)),
        )),
        ("threshold", _nullable(
            [THRESHOLD_MARKER, cast(c.model_id, Text), THRESHOLD_MARKER], null=True
        )),
        ("boundary", _unless_null(c.boundary, _object(
            ("baseline", _number(c.baseline)),
            ("lower_limit", _number(c.lower_limit)),
            ("upper_limit", _number(c.upper_limit)),
        ))),
        ("alert", _unless_null(c.alert, _object(
            ("uuid", _string(c.alert_uuid, null=False)),
            ("limit", _string(c.side, null=False)),
            ("status", _string(c.status, null=False)),
            ("modified", _time(c.modified, null=False)),
        ))),
    ))  # fmt: skip
    keys = (c.head_id, c.testbed_id, c.benchmark_id, c.measure_id)
    if postgres:
        rows = func.string_agg(row, aggregate_order_by(_text(","), c.start_time, c.row_id))
        return select(*keys, rows).group_by(*keys)
    return select(*keys, row).order_by(c.start_time, c.row_id)


def points_statement(series: list[Series], query: PerfQuery):
    """One row per combination with data: (the four ids, then six comma-separated lists of
    numbers: row ids, epoch seconds, values, lower and upper limits (NaN for none), alerted
    (1 or 0)). 40,000 points arrive as 24 strings that numpy parses in a few milliseconds,
    instead of 40,000 row tuples of Python floats."""
    if _dialect() == "postgresql":
        epoch = cast(func.extract("epoch", ReportBenchmark.start_time), Float)
        aggregate = func.string_agg
    else:
        epoch = (func.julianday(ReportBenchmark.start_time) - 2440587.5) * 86400.0
        aggregate = func.group_concat
    lists = [
        aggregate(func.coalesce(cast(column, Text), _text("NaN")), _text(","))
        for column in (ReportBenchmark.id, epoch, Metric.value, Boundary.lower_limit,
                       Boundary.upper_limit, case((Alert.id.is_(None), 0), else_=1))
    ]  # fmt: skip
    keys = (HeadVersion.head_id, ReportBenchmark.testbed_id, ReportBenchmark.benchmark_id,
            Metric.measure_id)  # fmt: skip
    return _rows(series, query, lists).order_by(None).group_by(*keys)


def _rows(series: list[Series], query: PerfQuery, columns: list):
    conditions = [
        ReportBenchmark.benchmark_id.in_(sorted({s.benchmark.id for s in series})),
        ReportBenchmark.testbed_id.in_(sorted({s.testbed.id for s in series})),
        Metric.measure_id.in_(sorted({s.measure.id for s in series})),
        HeadVersion.head_id.in_(sorted({s.head.id for s in series})),
    ]
    if query.start_time is not None:
        conditions.append(ReportBenchmark.start_time >= query.start_time)
    if query.end_time is not None:
        conditions.append(ReportBenchmark.start_time <= query.end_time)
    return (
        select(
            HeadVersion.head_id,
            ReportBenchmark.testbed_id,
            ReportBenchmark.benchmark_id,
            Metric.measure_id,
            *columns,
        )
        .select_from(ReportBenchmark)
        .join(Metric, Metric.report_benchmark_id == ReportBenchmark.id)
        .join(HeadVersion, HeadVersion.version_id == ReportBenchmark.version_id)
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
        .where(and_(*conditions))
        .order_by(ReportBenchmark.start_time, ReportBenchmark.id)
    )


def thresholds_statement(model_ids: list[int]):
    """Rows of (model id, its ``threshold`` object as JSON text: ``{uuid, model: {...}}``)."""
    model = _object(
        ("uuid", _string(Model.uuid)),
        ("test", _string(Model.test)),
        ("min_sample_size", _number(Model.min_sample_size)),
        ("max_sample_size", _number(Model.max_sample_size)),
        ("window", _number(Model.window)),
        ("lower_boundary", _number(Model.lower_boundary)),
        ("upper_boundary", _number(Model.upper_boundary)),
        ("k", _number(Model.k)),
        ("fdr", _number(Model.fdr)),
        ("created", _time(Model.created)),
    )
    threshold = _concat(_object(("uuid", _string(Threshold.uuid)), ("model", model)))
    return (
        select(Model.id, threshold)
        .join(Threshold, Threshold.id == Model.threshold_id)
        .where(Model.id.in_(model_ids))
    )


def _text(value: str):
    return literal(value, Text)


# The helpers below return a JSON text as a list of pieces: literal strings and text
# expressions. :func:`_concat` merges neighbouring literals before it writes the ``||`` chain,
# which cut a third of the concatenations per row and ~10 % of the statement's time.


def _concat(pieces: list):
    """One text expression from pieces, neighbouring literal strings merged into one."""
    merged: list = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    expression = None
    for piece in merged:
        piece = _text(piece) if isinstance(piece, str) else piece
        expression = piece if expression is None else expression + piece
    return expression


def _object(*pairs) -> list:
    """``{"key": value, ...}`` from JSON-text pieces (never null: see the helpers)."""
    pieces: list = []
    for index, (key, value) in enumerate(pairs):
        pieces += [("{" if index == 0 else ",") + f'"{key}":', *value]
    return [*pieces, "}"]


def _nullable(pieces: list, *, null: bool) -> list:
    """``pieces``, or (``null``: a column in them may be null) ``null`` where they are null.

    ``null=False`` for columns that are never null where they are used: one call less per row.
    """
    return [func.coalesce(_concat(pieces), _text("null"))] if null else pieces


def _string(column, *, null: bool = True) -> list:
    """A JSON string (the value needs no escaping: see the module docstring), or null."""
    return _nullable(['"', type_coerce(column, Text), '"'], null=null)


def _number(column, *, null: bool = True) -> list:
    return _nullable([cast(column, Text)], null=null)


def _unless_null(key_column, value: list) -> list:
    return [case((key_column.is_(None), _text("null")), else_=_concat(value))]


def _time(column, *, null: bool = True) -> list:
    """A UTC time as a JSON string, or null (the same text on both databases)."""
    if _dialect() == "postgresql":
        text = func.replace(cast(func.timezone("UTC", column), Text), " ", "T")
    else:
        stored = type_coerce(column, Text)
        text = func.replace(func.rtrim(func.rtrim(stored, "0"), "."), " ", "T")
    return _nullable(['"', text, '+00:00"'], null=null)


def _dialect() -> str:
    return db.session.get_bind().dialect.name
