"""Turn benchmark output into benchmarks and metrics: the one path for local runs and jobs.

``parse_outputs`` parses each iteration's output with the report's adapter, folds iterations
when asked, and refuses a report of more than ``BENCHER_MAX_REPORT_RESULTS`` results.
``write_names`` commits the benchmark and measure names in short batches before the report's
own transaction, and ``store_results`` then writes report_benchmark and metric rows in bounded
statements, hands the new metrics to threshold detection and then writes each metric's perf
row (:mod:`app.services.perf_json`) and its series' chunks (:mod:`app.services.perf_chunks`).
On SQLite a writer holds the one write lock until it commits, so the size cap and the batches
are what keep another user's run from waiting on a large one (``benchmarks/bench_write_lock.py``
measures it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import adapters
from app.extensions import db
from app.models import Benchmark, Metric, Project, Report, ReportBenchmark
from app.services import detection, perf_chunks, settings
from app.services.perf_json import perf_json_insert
from app.services.projects import ensure_measures, ensure_named

#: Names per committed transaction in :func:`write_names`: each batch holds SQLite's write lock
#: for a few milliseconds only.
NAME_BATCH = 500
#: Rows per INSERT statement (SQLite allows 32,766 bound parameters per statement).
ROW_BATCH = 1000


class ProcessingError(ValueError):
    """The output could not be turned into results; the message says why, for the user."""


@dataclass
class NameIds:
    """Row ids of a report's benchmarks (by name) and measures (by slug)."""

    benchmarks: dict[str, int]
    measures: dict[str, int]


@dataclass
class StoredResults:
    benchmarks: int
    metrics: int
    alerts: int


def parse_outputs(iterations: list[list[str]], settings: dict) -> list[dict]:
    """Parse every iteration's outputs into one BMF dict per iteration.

    An iteration is a list of texts (its stdout, or the files it wrote), merged into one
    result; iterations are folded into one when ``fold`` is set.
    """
    adapter = settings.get("adapter") or "magic"
    parsed = []
    for i, texts in enumerate(iterations, start=1):
        merged: dict = {}
        for text in texts:
            try:
                merged.update(adapters.parse(text, adapter, settings.get("average")))
            except adapters.AdapterError as err:
                raise ProcessingError(f"iteration {i} of {len(iterations)}: {err}") from None
        parsed.append(merged)
    if not any(parsed):
        raise ProcessingError(f"adapter {adapter!r} found no benchmarks in the output")
    if settings.get("fold") and len(parsed) > 1:
        parsed = [adapters.fold(parsed, settings["fold"])]
    _check_size(parsed)
    return parsed


def _check_size(iterations: list[dict]) -> None:
    """Refuse more results (benchmark x measure pairs, all iterations) than the server's cap."""
    cap = settings().max_report_results
    count = sum(len(measures) for results in iterations for measures in results.values())
    if count > cap:
        raise ProcessingError(
            f"the report has {count} results (benchmarks x measures over all iterations); this "
            f"server accepts at most {cap} per report (BENCHER_MAX_REPORT_RESULTS): split the "
            "benchmarks over several runs, or use --fold to fold iterations into one"
        )


def _names(iterations: list[dict]) -> tuple[dict[str, bool], set[str]]:
    """Benchmark names (each with whether it is ignored) and measure slugs of ``iterations``."""
    names: dict[str, bool] = {}
    measure_slugs: set[str] = set()
    for results in iterations:
        for raw_name, measures in results.items():
            name, ignored = adapters.split_ignore(raw_name)
            names[name] = names.get(name, False) or ignored
            measure_slugs.update(measures)
    return names, measure_slugs


def _batches(keys: list, size: int):
    return (keys[start : start + size] for start in range(0, len(keys), size))


def write_names(project: Project, iterations: list[dict]) -> NameIds:
    """Create the benchmarks and measures ``iterations`` name, committing every batch; their ids.

    Commits on purpose, unlike other services: names are dimension rows shared by every report
    of the project, created idempotently, and harmless if the report then fails. Writing (and
    looking up) them in short transactions before the report's own leaves that one only the
    result rows.
    """
    names, measure_slugs = _names(iterations)
    ids = NameIds({}, {})
    for batch in _batches(list(names), NAME_BATCH):
        rows = ensure_named(Benchmark, project, dict.fromkeys(batch, {}))
        ids.benchmarks.update((name, row.id) for name, row in rows.items())
        db.session.commit()
    for batch in _batches(sorted(measure_slugs), NAME_BATCH):
        rows = ensure_measures(project, {s: adapters.measure_info(s) for s in batch})
        ids.measures.update((slug, row.id) for slug, row in rows.items())
        db.session.commit()
    return ids


def store_results(report: Report, iterations: list[dict], ids: NameIds) -> StoredResults:
    """Write the parsed ``iterations`` (BMF dicts) as ``report``'s metrics and judge them;
    ``ids`` are the names' rows, from :func:`write_names`."""
    names, _ = _names(iterations)
    benchmarks, measures = ids.benchmarks, ids.measures

    rb_rows = [
        {
            "report_id": report.id,
            "iteration": i,
            "benchmark_id": benchmarks[name],
            "branch_id": report.branch_id,
            "version_id": report.version_id,
            "testbed_id": report.testbed_id,
            "start_time": report.start_time,
        }
        for i, results in enumerate(iterations)
        for name in dict.fromkeys(adapters.split_ignore(n)[0] for n in results)
    ]
    _insert_many(ReportBenchmark, rb_rows)
    rb_ids = {
        (it, bid): rid
        for rid, it, bid in db.session.execute(
            select(
                ReportBenchmark.id, ReportBenchmark.iteration, ReportBenchmark.benchmark_id
            ).where(ReportBenchmark.report_id == report.id)
        )
    }
    metric_rows = []
    for i, results in enumerate(iterations):
        for raw_name, by_measure in results.items():
            bench_id = benchmarks[adapters.split_ignore(raw_name)[0]]
            for slug, m in by_measure.items():
                metric_rows.append(
                    {
                        "report_benchmark_id": rb_ids[(i, bench_id)],
                        "measure_id": measures[slug],
                        "value": m["value"],
                        "lower_value": m.get("lower_value"),
                        "upper_value": m.get("upper_value"),
                    }
                )
    _insert_many(Metric, metric_rows)
    ignored = {benchmarks[n] for n, flag in names.items() if flag}
    alerts = detection.detect(report, ignored_benchmarks=ignored)
    dialect = db.session.get_bind().dialect.name
    db.session.execute(perf_json_insert(dialect, report.id))
    benchmark_of = {row_id: benchmark_id for (_, benchmark_id), row_id in rb_ids.items()}
    perf_chunks.update_series(
        report, [(benchmark_of[m["report_benchmark_id"]], m["measure_id"]) for m in metric_rows]
    )
    return StoredResults(benchmarks=len(names), metrics=len(metric_rows), alerts=alerts)


def _insert_many(model, rows: list[dict]) -> None:
    # Bounded executemany statements (pipelined by psycopg 3), so no single statement's
    # parameters grow with the report.
    for batch in _batches(rows, ROW_BATCH):
        db.session.execute(model.__table__.insert(), batch)
