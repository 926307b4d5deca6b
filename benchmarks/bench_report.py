"""The report as users get it: rendering it in every format, and reading it with its baselines.

    python benchmarks/bench_report.py [--benchmarks 1000] [--history 300] [--runs 11]

1. Rendering (no database): a report of N benchmarks x 2 measures, 3 alerts, rendered with
   ``reports.render`` as human, json, html and markdown (the rich ones past 65,536 characters
   are re-rendered truncated, as they are for a pull-request comment); median per format.
2. Reading (PostgreSQL): after ``--history`` prior reports of the N benchmarks on main (as in
   ``bench_processing.py``), one processed report is read ``--runs`` times as
   ``GET .../reports/{r}`` does (``report_details`` + ``ReportSchema`` dump); then the same
   with every result's baseline forced to come from the previous value (the path a project
   without thresholds takes: one history query per measure). Medians are printed.

Uses a throw-away PostgreSQL database (``BENCHER_TEST_POSTGRES_URL`` is the server), dropped at
the end; it needs no Redis.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

# bench_processing (beside this file) puts the repository on sys.path and points the broker
# settings at a Redis database of its own before anything reads them: import it first.
from bench_processing import MEASURES, SETUP_TIMEOUT, Fixture, bmf  # isort: skip
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Job, Report
from app.schemas.report import ReportSchema
from app.services import reports as report_service
from app.services.processing import process_job
from reports import FORMATS, ConsoleLinks, render
from tests.support.database import PostgresDatabase, make_settings

LINKS = ConsoleLinks("https://bencher.example.com", "bench")


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def synthetic_report(benchmarks: int) -> dict:
    rng = random.Random(3)
    results, alerts = [], []
    for k in range(benchmarks):
        for measure, units in (("latency", "nanoseconds (ns)"), ("throughput", "ops/s")):
            value = rng.uniform(900, 1100)
            row = {
                "iteration": 0, "benchmark": f"bench::case_{k:05d}", "measure": measure,
                "units": units, "value": value, "lower_value": None, "upper_value": None,
                "baseline": 1000.0, "baseline_source": "threshold", "lower_limit": None,
                "upper_limit": 1150.0, "p_value": None, "adjusted_p_value": None, "alert": None,
                "benchmark_uuid": f"{k:08d}-0000-4000-8000-000000000000",
                "measure_uuid": "m", "threshold_uuid": "t",
            }  # fmt: skip
            if k < 3 and measure == "latency":
                row.update(value=1500.0, alert={"uuid": f"a{k}", "side": "upper"})
                alerts.append({**row, "uuid": f"a{k}", "side": "upper", "status": "active"})
            results.append(row)
    return {"uuid": "r", "project": "bench", "branch": {"name": "main", "slug": "main",
            "uuid": "b", "head": {"uuid": "h"}}, "testbed": "localhost", "testbed_uuid": "t",
            "adapter": "json", "warnings": [], "results": results, "alerts": alerts}  # fmt: skip


def rendering(benchmarks: int, runs: int) -> None:
    report = synthetic_report(benchmarks)
    print(f"rendering a report of {benchmarks:,} benchmarks x 2 measures, 3 alerts:")
    for fmt in FORMATS:
        text = render(report, fmt, LINKS)
        took = median_ms(lambda fmt=fmt: render(report, fmt, LINKS), runs)
        print(f"  {fmt:<9} {took:8.1f} ms  ({len(text):,} characters)")


def reading(benchmarks: int, history: int, runs: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-report-"))
    database = PostgresDatabase(scratch)
    app = create_app(make_settings(scratch / "data", database.url))
    try:
        with app.app_context():
            fixture = Fixture(benchmarks)
            fixture.grow_history(history, time.monotonic() + SETUP_TIMEOUT)
            rng = random.Random(5)
            job_id = fixture.completed_job(bmf(fixture.benchmark_ids, rng))
            if process_job(job_id) != "processed":
                raise RuntimeError("the measured report was not processed")
            db.session.commit()
            report_id = db.session.scalar(select(Job.report_id).where(Job.id == job_id))
            report = db.session.get(Report, report_id)
            schema = ReportSchema()

            def read() -> None:
                json.dumps(schema.dump(report_service.report_details(report)))

            rows = report_service._results(report)
            unjudged = [replace(row, baseline=None) for row in rows]
            judged = sum(1 for row in rows if row.baseline is not None)
            print(f"reading one report of {benchmarks:,} benchmarks x {len(MEASURES)} measures "
                  f"after {history:,} prior reports (PostgreSQL; {judged:,} of {len(rows):,} "
                  "results have a threshold baseline):")  # fmt: skip
            print(f"  GET report (details + dump)      {median_ms(read, runs):8.1f} ms")
            forced = median_ms(lambda: report_service._with_baselines(report, unjudged), runs)
            print(f"  previous-value baselines, all    {forced:8.1f} ms")
    finally:
        database.drop()
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=1000, help="benchmarks per report")
    parser.add_argument("--history", type=int, default=300, help="prior reports on main")
    parser.add_argument("--runs", type=int, default=11, help="timed runs per case")
    args = parser.parse_args()
    rendering(args.benchmarks, args.runs)
    reading(args.benchmarks, args.history, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
