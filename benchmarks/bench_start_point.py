"""Threshold detection on a pull-request branch with 255 cloned versions vs the same on main.

    python benchmarks/bench_start_point.py [--benchmarks 1000] [--history 300] [--runs 5]

Main gets ``--history`` prior reports (every one holds all N benchmarks x 2 measures, t_test
thresholds with max_sample_size 64; generated as in ``bench_processing.py``). A ``feature``
branch is then started from main's latest version (``max_versions`` 255, thresholds cloned), so
its head links 255 of main's versions. Each timed run is ``process_job`` for a fresh job of N
benchmarks, alternately on main and on feature (its report deleted afterwards); the medians
and their ratio are printed (goal: feature within 1.3x of main).

Uses a throw-away PostgreSQL database (``BENCHER_TEST_POSTGRES_URL`` is the server), dropped at
the end; it needs no Redis.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench_processing (beside this file) puts the repository on sys.path and points the broker
# settings at a Redis database of its own before anything reads them: import it first.
from bench_processing import MEASURES, MODEL, SETUP_TIMEOUT, Fixture, bmf, project_of  # isort: skip
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import HeadVersion, Job
from app.services.branches import StartPoint, prepare_branch
from app.services.processing import process_job
from tests.support.database import PostgresDatabase, make_settings

GOAL_RATIO = 1.3
MAX_VERSIONS = 255


def timed_run(fixture: Fixture, stdout: str, branch_id: int) -> float:
    job_id = fixture.completed_job(stdout, branch_id)
    db.session.expire_all()
    started = time.perf_counter()
    outcome = process_job(job_id)
    elapsed = time.perf_counter() - started
    if outcome != "processed":
        error = db.session.scalar(select(Job.error).where(Job.id == job_id))
        raise RuntimeError(f"process_job returned {outcome}: {error}")
    fixture.delete_report_of(job_id)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=1000, help="benchmarks per report")
    parser.add_argument("--history", type=int, default=300, help="prior reports on main")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per branch")
    args = parser.parse_args()
    if args.history < MAX_VERSIONS:
        parser.error(f"--history must be at least {MAX_VERSIONS} (the versions to clone)")
    rng = random.Random(7)
    scratch = Path(tempfile.mkdtemp(prefix="bench-start-point-"))
    database = PostgresDatabase(scratch)
    app = create_app(make_settings(scratch / "data", database.url))
    times: dict[str, list[float]] = {"main": [], "feature": []}
    try:
        with app.app_context():
            fixture = Fixture(args.benchmarks)
            phases = fixture.grow_history(args.history, time.monotonic() + SETUP_TIMEOUT)
            print(f"main: {args.history:,} prior reports x {args.benchmarks:,} benchmarks x "
                  f"{len(MEASURES)} measures, made in {sum(phases.values()):.1f} s; "
                  f"thresholds {MODEL}")  # fmt: skip
            wanted = StartPoint("main", max_versions=MAX_VERSIONS, clone_thresholds=True)
            feature = prepare_branch(project_of(fixture), "feature", wanted)
            db.session.commit()
            cloned = db.session.scalar(
                select(func.count())
                .select_from(HeadVersion)
                .where(HeadVersion.head_id == feature.head.id)
            )
            print(f"feature: started from main, its head links {cloned} versions")
            branches = {"main": fixture.branch_id, "feature": feature.branch.id}
            stdout = bmf(fixture.benchmark_ids, rng)
            for branch_id in branches.values():  # warm-up, untimed
                timed_run(fixture, stdout, branch_id)
            for _ in range(args.runs):
                for name, branch_id in branches.items():
                    times[name].append(timed_run(fixture, stdout, branch_id))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{'branch':<10}{'median ms':>11}{'min ms':>9}{'max ms':>9}")
    for name, seconds in times.items():
        print(f"{name:<10}{statistics.median(seconds) * 1e3:>11.1f}{min(seconds) * 1e3:>9.1f}"
              f"{max(seconds) * 1e3:>9.1f}")  # fmt: skip
    ratio = statistics.median(times["feature"]) / statistics.median(times["main"])
    met = ratio <= GOAL_RATIO
    print(f"feature / main: {ratio:.2f}x  (goal <= {GOAL_RATIO}x: {'met' if met else 'MISSED'}; "
          f"median of {args.runs} alternating runs after one warm-up each; process_job of "
          f"{args.benchmarks:,} benchmarks, detection included)")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
