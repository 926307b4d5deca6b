"""Perf series sealed into chunks: each series' stored rows, pre-joined in order.

**Why.** The perf answer for 4 series x 10,000 points is 40,000 stored rows (``metric_perf``,
:mod:`app.services.perf_json`). Selecting, ordering and joining them per request cost ~90 ms
of PostgreSQL's time at best; fetching the same text as ~160 pre-joined chunks costs ~25 ms
(``benchmarks/bench_perf.py``). A row never changes once its report is processed, so a
series' oldest rows are joined once, :data:`CHUNK_ROWS` at a time, into ``perf_chunk``.

**What is true** (:mod:`app.models.perf_chunk`): for each series with a ``perf_series`` row,
its chunks hold exactly its rows up to the sealed key (report start time, ``report_benchmark``
id), in order and without gaps; ``unsealed`` counts the rows after it (None: not counted).
A series without a ``perf_series`` row has no chunks. So a reader takes the chunks that
overlap its window (:func:`chunk_texts`, :func:`chunk_points`; one the window cuts is split at
its rows) and the series' rows after the last of them (:func:`rows_after`, :class:`Chunks`).

**How it stays true.** Only processing adds rows to a series: a report's new rows, which join
every head holding its version (a branch's own head and heads cloned from it). For those
series :func:`update_series`, in the report's transaction:

1. locks their ``perf_series`` rows (inserting missing ones; on PostgreSQL ``FOR UPDATE``, in
   key order) so two reports of one series are sealed one after the other;
2. drops the chunks that end after the report's start time (a report dated into the past):
   they would miss its rows. The series is sealed up to its last remaining chunk again;
3. seals every series with :func:`seal_at` rows or more after its chunks (or not counted):
   reads those rows and writes each full chunk of :data:`CHUNK_ROWS`.

A report dated before a series' chunks costs a re-read of the rows after it: importing
history newest first re-joins the series once per report.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.sql import bindparam

from app.extensions import db, dialect_insert
from app.models import (
    Alert,
    Boundary,
    HeadVersion,
    Metric,
    MetricPerf,
    PerfChunk,
    PerfSeries,
    Report,
    ReportBenchmark,
)
from app.models.perf_chunk import SERIES_COLUMNS
from app.services.perf_json import ROW_START

if TYPE_CHECKING:
    from app.services.perf import PerfQuery

#: Rows per chunk: ~100 KB of text, so a series of 10,000 points is ~40 chunks, and the rows
#: after the last chunk (fewer than twice this, :func:`seal_at`) stay cheap to select.
CHUNK_ROWS = 256
#: Series per statement when their rows are read (:func:`seal`): each is a term of its
#: ``WHERE``.
SERIES_BATCH = 500
#: Chunks per ``INSERT`` (~6 MB of text), so sealing a whole history holds little in memory.
CHUNKS_PER_INSERT = 64
#: ``perf_series`` rows per ``INSERT`` (4 parameters each; SQLite allows 32,766).
INSERT_BATCH = 5000

SeriesKey = tuple[int, int, int, int]


def seal_at(key: SeriesKey) -> int:
    """How many rows after its chunks a series is sealed at: its own number from
    :data:`CHUNK_ROWS` to twice that, less one. The series of a large report run in step
    (one row each per report); were they all sealed at :data:`CHUNK_ROWS`, one report in 256
    would read and write every series' chunk, so each seals on its own report instead."""
    head_id, testbed_id, benchmark_id, measure_id = key
    return (
        CHUNK_ROWS
        + (benchmark_id * 7919 + measure_id * 104729 + head_id * 31 + testbed_id) % CHUNK_ROWS
    )


#: A row's key in its series' order: (report start time, ``report_benchmark`` id); (None,
#: None) comes before every row.
RowKey = tuple[datetime | None, int | None]


def row_keys(perf=MetricPerf) -> tuple:
    """A stored row's series, from its report benchmark, head version and ``perf``'s measure."""
    return (HeadVersion.head_id, ReportBenchmark.testbed_id, ReportBenchmark.benchmark_id,
            perf.measure_id)  # fmt: skip


def rows_after(after: dict[SeriesKey, RowKey], perf=MetricPerf):
    """A condition on the joined rows (their measure in ``perf``, :class:`MetricPerf` or
    :class:`Metric`): rows of one of ``after``'s series, after its row key. Each term holds a
    range of ``ix_report_benchmark_history``, so PostgreSQL reads only those rows."""
    head, testbed, benchmark, measure = row_keys(perf)
    terms = []
    for (head_id, testbed_id, benchmark_id, measure_id), (time, last) in after.items():
        term = [head == head_id, testbed == testbed_id, benchmark == benchmark_id,
                measure == measure_id]  # fmt: skip
        if time is not None:
            term += [ReportBenchmark.start_time >= time,
                     or_(ReportBenchmark.start_time > time, ReportBenchmark.id > last)]  # fmt: skip
        terms.append(and_(*term))
    return or_(*terms)


class Chunks(NamedTuple):
    """A request's chunks per series, in order, and the key after which its other rows are
    read (:func:`rows_after`): the last chunk's that overlaps the window. A later chunk
    starts after the window ends, so no row after that key and inside the window is in one;
    a series with no chunk in the window has none of its rows there in a chunk either (its
    chunks cover its oldest rows)."""

    found: dict[SeriesKey, list]
    after: dict[SeriesKey, RowKey]


def chunk_texts(keys: Iterable[SeriesKey], query: PerfQuery) -> Chunks:
    """Each series' chunks that overlap the query's window as UTF-8 texts of comma-separated
    stored rows; a chunk the window cuts holds only the rows inside it."""

    def inside(text, first: datetime, last: datetime) -> bytes | None:
        text = as_bytes(text)
        if (query.start_time is not None and first < query.start_time) or (
            query.end_time is not None and last > query.end_time
        ):
            return _within(text, query.start_time, query.end_time) or None
        return text

    return _read_chunks(keys, query, PerfChunk.perf_json, inside, text_as_bytes=True)


def chunk_points(keys: Iterable[SeriesKey], query: PerfQuery) -> Chunks:
    """Each series' chunks that overlap the query's window as arrays of :data:`POINT_ROWS`
    rows (only the points inside the window)."""
    low = -np.inf if query.start_time is None else query.start_time.timestamp()
    high = np.inf if query.end_time is None else query.end_time.timestamp()

    def inside(stored, first: datetime, last: datetime):
        points = np.frombuffer(stored, dtype=np.float64).reshape(POINT_ROWS, -1)
        kept = (points[0] >= low) & (points[0] <= high)
        if kept.all():
            return points
        return points[:, kept] if kept.any() else None

    return _read_chunks(keys, query, PerfChunk.points, inside)


def _read_chunks(keys: Iterable[SeriesKey], query: PerfQuery, column, inside,
                 **options) -> Chunks:  # fmt: skip
    """``column`` of the chunks of ``keys`` that overlap the window, each passed through
    ``inside(value, first time, last time)``, which gives None for no row in the window."""
    wanted = set(keys)
    chunks = Chunks({}, {})
    if not wanted:
        return chunks
    statement = (
        select(*_chunk_keys(), PerfChunk.first_time, PerfChunk.last_time, PerfChunk.last_id, column)
        .where(*_product(wanted, PerfChunk))
        .order_by(*_chunk_keys(), PerfChunk.last_time, PerfChunk.last_id)
        .execution_options(**options)
    )
    if query.start_time is not None:
        statement = statement.where(PerfChunk.last_time >= query.start_time)
    if query.end_time is not None:
        statement = statement.where(PerfChunk.first_time <= query.end_time)
    for *key, first, last, last_id, value in db.session.execute(statement):
        key = tuple(key)
        if key in wanted:
            chunks.after[key] = (last, last_id)
            value = inside(value, first, last)
            if value is not None:
                chunks.found.setdefault(key, []).append(value)
    return chunks


def as_bytes(text: str | bytes) -> bytes:
    """A text column's value as UTF-8: PostgreSQL gives bytes to statements run with the
    ``text_as_bytes`` execution option (:mod:`app.factory`), SQLite gives str."""
    return text if isinstance(text, bytes) else text.encode()


def _within(text: bytes, start: datetime | None, end: datetime | None) -> bytes:
    """The rows of a chunk's text whose start time is in [start, end]."""
    rows = text.split(b"," + _ROW_START)
    rows[1:] = [_ROW_START + row for row in rows[1:]]
    kept = []
    for row in rows:
        begin = row.index(_START_TIME) + len(_START_TIME)
        when = datetime.fromisoformat(row[begin : row.index(b'"', begin)].decode())
        if (start is None or when >= start) and (end is None or when <= end):
            kept.append(row)
    return b",".join(kept)


_ROW_START = ROW_START.encode()
_START_TIME = b'"start_time":"'


def update_series(report: Report, metrics: Iterable[tuple[int, int]]) -> None:
    """Keep the chunks of the series that ``report``'s rows joined true, and seal the ones
    with enough rows after their chunks (the module docstring says how). ``metrics``: the
    report's metrics as (benchmark id, measure id). Run after its stored rows are written."""
    per_pair = Counter(metrics)
    heads = db.session.scalars(
        select(HeadVersion.head_id).where(HeadVersion.version_id == report.version_id)
    ).all()
    counts = {(head_id, report.testbed_id, *pair): rows
              for head_id in heads for pair, rows in per_pair.items()}  # fmt: skip
    if not counts:
        return
    states = _locked_states(counts)
    missing = sorted(counts.keys() - states.keys())
    if missing:
        # Not counted; a report processed meanwhile may have inserted some first.
        _insert_missing(missing, db.session)
        states.update(_locked_states(missing))
    changed = {}
    for key, state in states.items():
        if state[0] is not None and state[0] > report.start_time:
            changed[key] = [*_drop_chunks_after(key, report.start_time), None]
        elif state[2] is None or state[2] + counts[key] >= seal_at(key):
            changed[key] = [state[0], state[1], None]
    for key, (time, last, unsealed) in seal(
        {key: (state[0], state[1]) for key, state in changed.items()}, db.session
    ).items():
        changed[key] = [time, last, unsealed]
    _count_rows({key: n for key, n in counts.items() if key not in changed}, heads, report)
    _write_states(changed, db.session)


def _count_rows(counts: dict[SeriesKey, int], heads: list[int], report: Report) -> None:
    """Add each series' new rows to its ``unsealed``: one statement per measure and distinct
    count (one count, unless some benchmarks ran more iterations than others)."""
    benchmarks: dict[tuple[int, int], set[int]] = {}
    for (_head, _testbed, benchmark_id, measure_id), rows in counts.items():
        benchmarks.setdefault((measure_id, rows), set()).add(benchmark_id)
    for (measure_id, rows), ids in sorted(benchmarks.items()):
        ids = sorted(ids)
        for start in range(0, len(ids), INSERT_BATCH):
            db.session.execute(
                update(PerfSeries)
                .where(
                    PerfSeries.head_id.in_(heads),
                    PerfSeries.testbed_id == report.testbed_id,
                    PerfSeries.benchmark_id.in_(ids[start : start + INSERT_BATCH]),
                    PerfSeries.measure_id == measure_id,
                )
                .values(unsealed=PerfSeries.unsealed + rows)
                .execution_options(synchronize_session=False)
            )


def seal_all(session=None) -> None:
    """Chunk every series from scratch, in ``session`` (default: the app's; migration 0007
    passes its own), as for rows that were written without processing."""
    session = session or db.session
    session.execute(delete(PerfSeries))
    keys = sorted(tuple(row) for row in session.execute(
        select(*row_keys())
        .select_from(MetricPerf)
        .join(ReportBenchmark, ReportBenchmark.id == MetricPerf.report_benchmark_id)
        .join(HeadVersion, HeadVersion.version_id == ReportBenchmark.version_id)
        .distinct()
    ))  # fmt: skip
    _insert_missing(keys, session)
    states = seal({key: (None, None) for key in keys}, session)
    _write_states({key: list(state) for key, state in states.items()}, session)


def seal(due: dict[SeriesKey, RowKey], session) -> dict[SeriesKey, tuple]:
    """Write the full chunks of the rows after each series' sealed key; the series' new
    (sealed time, sealed id, rows left after it). The rows are streamed, so memory holds one
    series' rows (migration 0007 seals whole histories)."""
    result = {}
    keys = sorted(due)
    for start in range(0, len(keys), SERIES_BATCH):
        batch = {key: due[key] for key in keys[start : start + SERIES_BATCH]}
        rows = session.execute(_sealing_rows(batch).execution_options(yield_per=4 * CHUNK_ROWS))
        chunks = []
        for key, series_rows in itertools.groupby(rows, lambda row: tuple(row[:4])):
            series_rows = list(series_rows)
            full = len(series_rows) - len(series_rows) % CHUNK_ROWS
            time, last = batch[key]
            for first in range(0, full, CHUNK_ROWS):
                part = series_rows[first : first + CHUNK_ROWS]
                time, last = part[-1][4], part[-1][5]
                chunks.append({
                    **dict(zip(SERIES_COLUMNS, key, strict=True)),
                    "first_time": part[0][4], "last_time": time, "last_id": last,
                    "perf_json": ",".join(row[6] for row in part),
                    "points": _points(part),
                })  # fmt: skip
            result[key] = (time, last, len(series_rows) - full)
            if len(chunks) >= CHUNKS_PER_INSERT:
                session.execute(PerfChunk.__table__.insert(), chunks)
                chunks = []
        if chunks:
            session.execute(PerfChunk.__table__.insert(), chunks)
        for key in batch.keys() - result.keys():
            result[key] = (*batch[key], 0)
    return result


def _sealing_rows(after: dict[SeriesKey, RowKey]):
    """The rows after each series' key in ``after``, in order: (the series' ids, start time,
    ``report_benchmark`` id, stored text, then the :data:`POINT_COLUMNS`)."""
    return (
        select(*row_keys(), ReportBenchmark.start_time, ReportBenchmark.id,
               MetricPerf.perf_json, *POINT_COLUMNS)
        .select_from(ReportBenchmark)
        .join(MetricPerf, MetricPerf.report_benchmark_id == ReportBenchmark.id)
        .join(HeadVersion, HeadVersion.version_id == ReportBenchmark.version_id)
        .join(Metric, and_(Metric.report_benchmark_id == ReportBenchmark.id,
                           Metric.measure_id == MetricPerf.measure_id))
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
        .where(*_product(after, MetricPerf, rows=True), rows_after(after))
        .order_by(*row_keys(), ReportBenchmark.start_time, ReportBenchmark.id)
    )  # fmt: skip


#: A chunk row's plot point after its time: value, limits and whether it alerted.
POINT_COLUMNS = (Metric.value, Boundary.lower_limit, Boundary.upper_limit, Alert.id.is_not(None))
#: The rows of a chunk's ``points``: epoch seconds, value, lower and upper limit (NaN for
#: none), alerted (1 or 0).
POINT_ROWS = 5


def _points(rows: list) -> bytes:
    """The plot points of sealed rows as the float64 array that ``points`` stores."""
    points = np.array(
        [[row[4].timestamp(), *(np.nan if x is None else x for x in row[7:])] for row in rows],
        dtype=np.float64,
    )
    return points.T.copy().tobytes()


def _drop_chunks_after(key: SeriesKey, when: datetime) -> RowKey:
    """Delete the series' chunks that end after ``when``; its new sealed key."""
    this_series = [getattr(PerfChunk, column) == value
                   for column, value in zip(SERIES_COLUMNS, key, strict=True)]  # fmt: skip
    db.session.execute(delete(PerfChunk).where(*this_series, PerfChunk.last_time > when))
    last = db.session.execute(
        select(PerfChunk.last_time, PerfChunk.last_id)
        .where(*this_series)
        .order_by(PerfChunk.last_time.desc(), PerfChunk.last_id.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (None, None)


def _insert_missing(keys: Sequence[SeriesKey], session) -> None:
    """A ``perf_series`` row, not counted, for each of ``keys`` that has none."""
    rows = [dict(zip(SERIES_COLUMNS, key, strict=True)) for key in keys]
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(
            dialect_insert(PerfSeries, session)
            .values(rows[start : start + INSERT_BATCH])
            .on_conflict_do_nothing(index_elements=list(SERIES_COLUMNS))
        )


def _locked_states(keys: Iterable[SeriesKey]) -> dict[SeriesKey, list]:
    """[sealed time, sealed id, unsealed] of the ``perf_series`` rows of ``keys``, locked in
    key order (``FOR UPDATE`` on PostgreSQL) until the transaction ends. The statement selects
    the cross product of the keys' dimensions, then keeps the keys'."""
    wanted = set(keys)
    series = [getattr(PerfSeries, column) for column in SERIES_COLUMNS]
    statement = (
        select(*series, PerfSeries.sealed_time, PerfSeries.sealed_id, PerfSeries.unsealed)
        .where(*_product(wanted, PerfSeries))
        .order_by(*series)
        .with_for_update()
    )
    states = {}
    for *key, time, last, unsealed in db.session.execute(statement):
        if tuple(key) in wanted:
            states[tuple(key)] = [time, last, unsealed]
    return states


def _write_states(states: dict[SeriesKey, list], session) -> None:
    """Write each series' (sealed time, sealed id, unsealed), in key order."""
    if not states:
        return
    table = PerfSeries.__table__
    statement = (
        table.update()
        .where(*(table.c[column] == bindparam(f"k_{column}") for column in SERIES_COLUMNS))
        .values(
            sealed_time=bindparam("time"),
            sealed_id=bindparam("last"),
            unsealed=bindparam("unsealed"),
        )
    )
    rows = [
        {**{f"k_{c}": v for c, v in zip(SERIES_COLUMNS, key, strict=True)},
         "time": time, "last": last, "unsealed": unsealed}
        for key, (time, last, unsealed) in sorted(states.items())
    ]  # fmt: skip
    session.execute(statement, rows)


def _chunk_keys() -> tuple:
    return tuple(getattr(PerfChunk, column) for column in SERIES_COLUMNS)


def _product(keys: set[SeriesKey], table, *, rows: bool = False) -> list:
    """``IN`` lists of each dimension of ``keys`` on ``table``'s columns (a cross product that
    holds ``keys``); ``rows``: on the joined rows' columns instead (``table`` is the perf
    table that holds the measure)."""
    columns = row_keys(table) if rows else [getattr(table, c) for c in SERIES_COLUMNS]
    return [column.in_(sorted({key[i] for key in keys})) for i, column in enumerate(columns)]
