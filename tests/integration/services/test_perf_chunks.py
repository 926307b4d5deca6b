"""Perf chunks (app/services/perf_chunks.py): after processed reports in any order, on any
head, each series' chunks hold exactly its oldest rows, in order, and the perf answer and its
plot read through them equal what the stored rows alone give."""

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Boundary,
    HeadVersion,
    Metric,
    MetricPerf,
    PerfChunk,
    PerfSeries,
    Project,
    ReportBenchmark,
)
from app.services import perf as perf_service
from app.services import perf_chunks
from app.services.perf import PerfQuery, plot_points
from app.services.perf_chunks import POINT_ROWS, Chunks
from tests.support.perf_runs import T0, Runs
from tests.support.server import auth

#: Rows per chunk here: a handful of reports seal several chunks.
CHUNK = 3
STATIC = {"latency": {"test": "static", "upper_boundary": 50.0}}


@pytest.fixture
def runs(client, factory, monkeypatch):
    monkeypatch.setattr(perf_chunks, "CHUNK_ROWS", CHUNK)
    # Each chunk written as soon as it is made: while the rows are still being streamed.
    monkeypatch.setattr(perf_chunks, "CHUNKS_PER_INSERT", 1)
    return Runs.in_new_project(client, factory.admin_token)


def assert_chunks_true() -> int:
    """Check every series' chunks against its stored rows (the module docstring of
    app/services/perf_chunks.py says what must hold); the number of chunks."""
    chunk_count = 0
    for state in db.session.scalars(select(PerfSeries)):
        key = (state.head_id, state.testbed_id, state.benchmark_id, state.measure_id)
        rows = db.session.execute(
            select(ReportBenchmark.start_time, ReportBenchmark.id, MetricPerf.perf_json,
                   Metric.value, Boundary.upper_limit)  # fmt: skip
            .join(MetricPerf, MetricPerf.report_benchmark_id == ReportBenchmark.id)
            .join(HeadVersion, HeadVersion.version_id == ReportBenchmark.version_id)
            .join(Metric, (Metric.report_benchmark_id == ReportBenchmark.id)
                  & (Metric.measure_id == MetricPerf.measure_id))  # fmt: skip
            .outerjoin(Boundary, Boundary.metric_id == Metric.id)
            .where(HeadVersion.head_id == key[0], ReportBenchmark.testbed_id == key[1],
                   ReportBenchmark.benchmark_id == key[2], MetricPerf.measure_id == key[3])
            .order_by(ReportBenchmark.start_time, ReportBenchmark.id)
        ).all()  # fmt: skip
        chunks = db.session.scalars(
            select(PerfChunk)
            .where(PerfChunk.head_id == key[0], PerfChunk.testbed_id == key[1],
                   PerfChunk.benchmark_id == key[2], PerfChunk.measure_id == key[3])
            .order_by(PerfChunk.last_time, PerfChunk.last_id)
        ).all()  # fmt: skip
        sealed = 0
        for chunk in chunks:
            part = rows[sealed : sealed + CHUNK]
            assert len(part) == CHUNK, key
            assert (chunk.first_time, chunk.last_time, chunk.last_id) == (
                part[0][0], part[-1][0], part[-1][1]
            ), key  # fmt: skip
            assert chunk.perf_json == ",".join(row[2] for row in part), key
            points = np.frombuffer(chunk.points, dtype=np.float64).reshape(POINT_ROWS, -1)
            assert points[0].tolist() == [row[0].timestamp() for row in part]
            assert points[1].tolist() == [row[3] for row in part]
            assert np.array_equal(points[3], [np.nan if r[4] is None else r[4] for r in part],
                                  equal_nan=True)  # fmt: skip
            sealed += CHUNK
        last = rows[sealed - 1] if sealed else None
        assert (state.sealed_time, state.sealed_id) == (
            (last[0], last[1]) if last else (None, None)
        )
        assert state.unsealed is None or state.unsealed == len(rows) - sealed, key
        # Sealed when due: fewer rows after the chunks than the series seals at.
        assert len(rows) - sealed < perf_chunks.seal_at(key) or state.unsealed is None, key
        chunk_count += len(chunks)
    return chunk_count


def answers(runs: Runs, monkeypatch, **params) -> tuple[bytes, bytes]:
    """The perf answer for ``params``, read through the chunks and from the stored rows alone."""
    chunked = runs.perf(**params)
    assert chunked.status_code == 200, chunked.json
    with _without_chunks(monkeypatch):
        plain = runs.perf(**params).data
    return chunked.data, plain


@contextlib.contextmanager
def _without_chunks(monkeypatch):
    """The perf code reads no chunk: every row comes from the stored rows."""
    with monkeypatch.context() as patch:
        patch.setattr(perf_service, "chunk_texts", lambda keys, query: Chunks({}, {}))
        patch.setattr(perf_service, "chunk_points", lambda keys, query: Chunks({}, {}))
        yield


def assert_same_plot(monkeypatch, query: PerfQuery) -> None:
    project = db.session.scalar(select(Project).where(Project.slug == "demo"))
    chunked = plot_points(project, query)
    with _without_chunks(monkeypatch):
        plain = plot_points(project, query)
    assert [p.series.key for p in chunked] == [p.series.key for p in plain]
    for ours, theirs in zip(chunked, plain, strict=True):
        # SQLite's statement reckons times from julianday(), to some microseconds.
        assert np.allclose(ours.times, theirs.times, rtol=0, atol=1e-3)
        for name in ("values", "lower", "upper", "alerts"):
            assert np.array_equal(getattr(ours, name), getattr(theirs, name), equal_nan=True)
    db.session.rollback()


def millis(minutes: float) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


def test_the_oldest_rows_are_sealed_and_read_back(runs, monkeypatch):
    runs.post(0, {"b1": 10.0, "b2": 20.0})
    for minute in range(1, 11):
        runs.post(minute, {"b1": 10.0 + minute, "b2": 20.0 + minute},
                  thresholds=STATIC if minute == 2 else None)  # fmt: skip
    # 11 rows per series, sealed when 3 to 5 rows follow the chunks (seal_at): three chunks of
    # three, two rows after them.
    assert assert_chunks_true() == 2 * 3
    states = db.session.execute(select(PerfSeries.unsealed)).scalars().all()
    assert states == [2, 2]
    chunked, plain = answers(runs, monkeypatch, benchmarks="b1,b2")
    assert chunked == plain
    metrics = runs.perf(benchmarks="b1").json["results"][0]["metrics"]
    assert [m["metric"]["value"] for m in metrics] == [10.0 + m for m in range(11)]
    assert metrics[5]["threshold"]["model"]["test"] == "static"
    # Windows that cut chunks, or fall between their rows, or hold no row at all.
    for start, end in ((1, 7), (0, 8.5), (4, 4), (3.5, 3.7), (9, None), (None, 2), (20, 30)):
        window = {}
        if start is not None:
            window["start_time"] = millis(start)
        if end is not None:
            window["end_time"] = millis(end)
        chunked, plain = answers(runs, monkeypatch, benchmarks="b1,b2", **window)
        assert chunked == plain, window
    query = PerfQuery(
        ["main"],
        ["localhost"],
        ["b1", "b2"],
        ["latency"],
        start_time=T0 + timedelta(minutes=1),
        end_time=T0 + timedelta(minutes=7),
    )
    assert_same_plot(monkeypatch, query)  # fmt: skip
    assert_same_plot(monkeypatch, PerfQuery(["main"], ["localhost"], ["b1", "b2"], ["latency"]))


def test_a_report_dated_before_the_chunks_unseals_them(runs, monkeypatch):
    for minute in range(10, 20):
        runs.post(minute, {"b1": float(minute)})
    assert assert_chunks_true() >= 2
    # Into the middle of the second chunk, then before all of them, then at a chunk's last
    # time (which sorts after it: a later report benchmark id).
    for minute in (14.5, 1, 12):
        runs.post(minute, {"b1": float(minute)})
        assert assert_chunks_true() >= 2
    chunked, plain = answers(runs, monkeypatch, benchmarks="b1")
    assert chunked == plain
    values = [
        m["metric"]["value"] for m in runs.perf(benchmarks="b1").json["results"][0]["metrics"]
    ]
    assert values == [1.0, *range(10, 13), 12.0, 13, 14, 14.5, *range(15, 20)]
    assert_same_plot(monkeypatch, PerfQuery(["main"], ["localhost"], ["b1"], ["latency"]))


def test_cloned_and_shared_versions(runs, monkeypatch):
    """A branch's head holds versions cloned from its start point: its series starts with
    their rows; a run on main that reuses a version shared with it adds a row to both."""
    for minute in range(7):
        runs.post(minute, {"b1": float(minute)}, hash=f"{minute:040x}")
    runs.post(10, {"b1": 100.0}, branch="feature", start_point={"branch": "main"})
    for minute in range(11, 15):
        runs.post(minute, {"b1": 100.0 + minute}, branch="feature")
    # Main runs commit 3 again: the version is feature's too.
    runs.post(20, {"b1": 3.5}, hash=f"{3:040x}")
    runs.post(21, {"b1": 3.6}, hash=f"{3:040x}")
    assert assert_chunks_true() >= 5
    chunked, plain = answers(runs, monkeypatch, benchmarks="b1", branches="main,feature")
    assert chunked == plain
    by_branch = {
        s["branch"]["slug"]: [m["metric"]["value"] for m in s["metrics"]]
        for s in runs.perf(benchmarks="b1", branches="main,feature").json["results"]
    }
    assert by_branch["main"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 3.5, 3.6]
    assert by_branch["feature"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0, 111.0, 112.0,
                                    113.0, 114.0, 3.5, 3.6]  # fmt: skip
    query = PerfQuery(["main", "feature"], ["localhost"], ["b1"], ["latency"])
    assert_same_plot(monkeypatch, query)


def test_an_alert_sealed_in_a_chunk_shows_its_current_status(runs, monkeypatch):
    runs.post(0, {"b1": 10.0}, thresholds=STATIC)
    (alert,) = runs.post(1, {"b1": 100.0})["alerts"]
    for minute in range(2, 8):
        runs.post(minute, {"b1": 10.0})
    assert assert_chunks_true() >= 1
    dismissed = runs.client.patch(
        f"/v0/projects/demo/alerts/{alert['uuid']}",
        json={"status": "dismissed"},
        headers=auth(runs.token),
    )
    assert dismissed.status_code == 200, dismissed.json  # fmt: skip
    chunked, plain = answers(runs, monkeypatch, benchmarks="b1")
    assert chunked == plain
    shown = runs.perf(benchmarks="b1").json["results"][0]["metrics"][1]["alert"]
    assert (shown["uuid"], shown["status"]) == (alert["uuid"], "dismissed")
    # The plot marks a value that alerted, whatever the alert's status.
    project = db.session.scalar(select(Project).where(Project.slug == "demo"))
    (points,) = plot_points(project, PerfQuery(["main"], ["localhost"], ["b1"], ["latency"]))
    assert points.alerts.tolist() == [False, True] + [False] * 6


def test_deleting_a_project_deletes_its_chunks(runs):
    for minute in range(7):
        runs.post(minute, {"b1": 1.0, "b2": 2.0})
    assert assert_chunks_true() >= 2
    response = runs.client.delete("/v0/projects/demo", headers=auth(runs.token))
    assert response.status_code == 204, response.data
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (PerfSeries, PerfChunk)]  # fmt: skip
    assert counts == [0, 0]


def test_the_series_of_a_large_report_seal_on_different_reports():
    """Series that gain a row per report in step seal a few per report, not all on one."""
    counts = Counter(perf_chunks.seal_at((1, 1, benchmark, measure))
                     for benchmark in range(1, 1001) for measure in (1, 2))  # fmt: skip
    rows = perf_chunks.CHUNK_ROWS
    assert set(counts) <= set(range(rows, 2 * rows))
    assert max(counts.values()) <= 3 * 2000 / rows


def test_reports_processed_at_once_seal_one_after_the_other(runs, monkeypatch):
    """Two clients post interleaved runs of the same series at the same time: each report's
    processing locks the series, so no chunk is sealed without a row another report was
    writing meanwhile."""
    runs.post(0, {"b1": 0.0})
    failures = []

    def post_every_other(first: int) -> None:
        try:
            for minute in range(first, 40, 2):
                runs.post(minute, {"b1": float(minute)})
        except Exception as error:  # noqa: BLE001 - reported by the test thread below
            failures.append(error)

    threads = [threading.Thread(target=post_every_other, args=(first,)) for first in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures and not any(thread.is_alive() for thread in threads)
    assert assert_chunks_true() >= 8
    chunked, plain = answers(runs, monkeypatch, benchmarks="b1")
    assert chunked == plain
