"""JSON text written by the database, and each metric's stored perf row (``metric_perf``).

**Why the database writes the JSON, by concatenation.** A perf answer can hold 40,000 rows of
about 700 bytes. Building them in Python (a row object per metric, then ``json.dumps``) took
over a second; ``json_build_object`` in PostgreSQL still ~0.5 s, because it looks up every
argument's output function on every call. Plain string concatenation (``||``) of columns cast
to text is several times cheaper and is the same SQL on SQLite and PostgreSQL. It is safe
because no concatenated value needs JSON escaping: uuids, commit hashes (hex), model tests,
alert sides and statuses are closed alphabets, numbers are cast by the database (finite
floats print as JSON numbers: ``100``/``100.0``, ``1e-07``/``1.0e-07``; every stored value and
limit is finite or null, as ``adapters.bmf.finalize`` and ``thresholds`` guarantee) and times
are formatted below: ISO 8601 in UTC with the fraction trimmed (``2024-05-01T00:00:00+00:00``,
``…T00:00:00.5+00:00``), the same on both databases: PostgreSQL's ``timestamp::text``, and on
SQLite the stored text with its zero microseconds trimmed.

**Why each metric stores its row.** Even concatenated, writing 40,000 rows per request cost
most of the perf answer's time: joining the report, version and boundary, and printing floats
and times (``benchmarks/bench_perf.py``: ~110 of 180 ms). All of that is fixed once the
report is processed: the report's uuid and times, the iteration, the version's number and hash,
the metric's values, its boundary (limits and threshold model) and whether it raised an alert
are written in the same transaction as the metric and never changed (a version is never edited,
a model is replaced, never edited, an alert is never deleted but with its metric). So
:func:`perf_json_insert` writes the row's text into ``metric_perf`` when the report is
processed (and migration 0006 for the rows before it), and the perf query only selects, orders
and joins the texts.

Two parts of a row are markers that :func:`app.services.perf.perf` replaces, each by a text
written once per request: the threshold object (``@<model id>@``, the same ~300 bytes for
thousands of rows) and the alert object (``@a<alert id>@``), which stays live: a user dismisses
an alert, a new head silences it, and its ``status`` and ``modified`` change. ``@`` appears in
no other value (the closed alphabets above).
"""

from __future__ import annotations

from sqlalchemy import Text, case, cast, func, insert, literal, select, type_coerce

from app.models import Alert, Boundary, Metric, MetricPerf, Report, ReportBenchmark, Version

#: Delimits the key that stands for a row's threshold object (its model id) or alert object
#: (:data:`ALERT_KEY` and the alert's id).
MARKER = "@"
ALERT_KEY = "a"
#: How every stored row begins: its first key (:func:`_stored_row`), which appears nowhere
#: else in a row, so a text of comma-separated rows splits at ``",{"report":``.
ROW_START = '{"report":'


def perf_json_insert(dialect: str, report_id: int | None = None):
    """The statement that writes the ``metric_perf`` rows: for ``report_id``'s metrics, or
    (None, migration 0006) for every metric. Run after the report's boundaries and alerts are
    written."""
    written = (
        select(Metric.report_benchmark_id, Metric.measure_id, concat(_stored_row(dialect)))
        .join(ReportBenchmark, ReportBenchmark.id == Metric.report_benchmark_id)
        .join(Report, Report.id == ReportBenchmark.report_id)
        .join(Version, Version.id == ReportBenchmark.version_id)
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
    )
    if report_id is not None:
        written = written.where(ReportBenchmark.report_id == report_id)
    columns = ["report_benchmark_id", "measure_id", "perf_json"]
    return insert(MetricPerf).from_select(columns, written)


def _stored_row(dialect: str) -> list:
    """A metric row's JSON, its threshold and alert objects as markers."""
    pieces = json_object(
        ("report", json_string(Report.uuid, null=False)),
        ("iteration", json_number(ReportBenchmark.iteration, null=False)),
        ("start_time", json_time(Report.start_time, dialect, null=False)),
        ("end_time", json_time(Report.end_time, dialect, null=False)),
        ("version", json_object(("number", json_number(Version.number, null=False)),
                                ("hash", json_string(Version.hash)))),
        ("metric", json_object(
            ("uuid", json_string(Metric.uuid, null=False)),
            ("value", json_number(Metric.value, null=False)),
            ("lower_value", json_number(Metric.lower_value)),
            ("upper_value", json_number(Metric.upper_value)),
        )),
        ("threshold", _nullable([MARKER, cast(Boundary.model_id, Text), MARKER], null=True)),
        ("boundary", unless_null(Boundary.id, json_object(
            ("baseline", json_number(Boundary.baseline)),
            ("lower_limit", json_number(Boundary.lower_limit)),
            ("upper_limit", json_number(Boundary.upper_limit)),
        ))),
        ("alert", _nullable([MARKER + ALERT_KEY, cast(Alert.id, Text), MARKER], null=True)),
    )  # fmt: skip
    return pieces


def alert_json(dialect: str):
    """The alert object's JSON text: it changes when the alert is dismissed or silenced."""
    return concat(json_object(
        ("uuid", json_string(Alert.uuid, null=False)),
        ("limit", json_string(Alert.side, null=False)),
        ("status", json_string(Alert.status, null=False)),
        ("modified", json_time(Alert.modified, dialect, null=False)),
    ))  # fmt: skip


def text(value: str):
    return literal(value, Text)


# The helpers below return a JSON text as a list of pieces: literal strings and text
# expressions. :func:`concat` merges neighbouring literals before it writes the ``||`` chain,
# which cut a third of the concatenations per row and ~10 % of the statement's time.


def concat(pieces: list):
    """One text expression from pieces, neighbouring literal strings merged into one."""
    merged: list = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    expression = None
    for piece in merged:
        piece = text(piece) if isinstance(piece, str) else piece
        expression = piece if expression is None else expression + piece
    return expression


def json_object(*pairs) -> list:
    """``{"key": value, ...}`` from JSON-text pieces (never null: see the helpers)."""
    pieces: list = []
    for index, (key, value) in enumerate(pairs):
        pieces += [("{" if index == 0 else ",") + f'"{key}":', *value]
    return [*pieces, "}"]


def _nullable(pieces: list, *, null: bool) -> list:
    """``pieces``, or (``null``: a column in them may be null) ``null`` where they are null.

    ``null=False`` for columns that are never null where they are used: one call less per row.
    """
    return [func.coalesce(concat(pieces), text("null"))] if null else pieces


def json_string(column, *, null: bool = True) -> list:
    """A JSON string (the value needs no escaping: see the module docstring), or null."""
    return _nullable(['"', type_coerce(column, Text), '"'], null=null)


def json_number(column, *, null: bool = True) -> list:
    return _nullable([cast(column, Text)], null=null)


def unless_null(key_column, value: list) -> list:
    return [case((key_column.is_(None), text("null")), else_=concat(value))]


def json_time(column, dialect: str, *, null: bool = True) -> list:
    """A UTC time as a JSON string, or null (the same text on both databases)."""
    if dialect == "postgresql":
        written = func.replace(cast(func.timezone("UTC", column), Text), " ", "T")
    else:
        stored = type_coerce(column, Text)
        written = func.replace(func.rtrim(func.rtrim(stored, "0"), "."), " ", "T")
    return _nullable(['"', written, '+00:00"'], null=null)
