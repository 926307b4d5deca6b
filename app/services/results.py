"""Turn benchmark output into benchmarks and metrics: the one path for local runs and jobs.

``store_results`` parses each iteration's output with the report's adapter, folds iterations
when asked, and writes report_benchmark and metric rows in a constant number of statements,
then hands the new metrics to threshold detection.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import adapters
from app.extensions import db
from app.models import Benchmark, Metric, Report, ReportBenchmark
from app.services import detection
from app.services.projects import ensure_measures, ensure_named

# SQLite allows 32,766 bound parameters per statement; stay well below it.
_CHUNK = 2000


class ProcessingError(ValueError):
    """The output could not be turned into results; the message says why, for the user."""


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
    return parsed


def store_results(report: Report, iterations: list[dict]) -> StoredResults:
    """Write the parsed ``iterations`` (BMF dicts) as ``report``'s metrics and judge them."""
    names: dict[str, bool] = {}
    measure_slugs: set[str] = set()
    for results in iterations:
        for raw_name, measures in results.items():
            name, ignored = adapters.split_ignore(raw_name)
            names[name] = names.get(name, False) or ignored
            measure_slugs.update(measures)
    project = report.project
    benchmarks = {}
    keys = list(names)
    for start in range(0, len(keys), _CHUNK):
        chunk = {k: {} for k in keys[start : start + _CHUNK]}
        benchmarks.update(ensure_named(Benchmark, project, chunk))
    measures = ensure_measures(project, {s: adapters.measure_info(s) for s in measure_slugs})

    rb_rows = [
        {
            "report_id": report.id,
            "iteration": i,
            "benchmark_id": benchmarks[name].id,
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
            bench = benchmarks[adapters.split_ignore(raw_name)[0]]
            for slug, m in by_measure.items():
                metric_rows.append(
                    {
                        "report_benchmark_id": rb_ids[(i, bench.id)],
                        "measure_id": measures[slug].id,
                        "value": m["value"],
                        "lower_value": m.get("lower_value"),
                        "upper_value": m.get("upper_value"),
                    }
                )
    _insert_many(Metric, metric_rows)
    ignored = {benchmarks[n].id for n, flag in names.items() if flag}
    alerts = detection.detect(report, ignored_benchmarks=ignored)
    return StoredResults(benchmarks=len(names), metrics=len(metric_rows), alerts=alerts)


def _insert_many(model, rows: list[dict]) -> None:
    # One executemany (pipelined by psycopg 3; batched by SQLAlchemy on SQLite).
    if rows:
        db.session.execute(model.__table__.insert(), rows)
