"""process_job is idempotent, also when two workers run it for the same job at once."""

import json
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Job, Metric, Report, ReportBenchmark
from app.models.types import utcnow
from app.services.job_output import store_job_output
from app.services.processing import process_job
from tests.support.runner_api import create_job, setup_project

BMF = json.dumps({f"b{i}": {"latency": {"value": float(i)}} for i in range(200)})


def _completed_job(client, factory) -> int:
    setup_project(client, factory.admin_token)
    uuid = create_job(client, factory.admin_token)
    job = db.session.scalar(select(Job).where(Job.uuid == uuid))
    now = utcnow()
    job.output_key = store_job_output(job, [{"exit_code": 0, "stdout": BMF, "stderr": ""}])
    job.status, job.claimed, job.started, job.completed = "completed", now, now, now
    db.session.commit()
    return job.id


def _metrics(job_id: int) -> int:
    report_id = db.session.scalar(select(Job.report_id).where(Job.id == job_id))
    return db.session.scalar(
        select(func.count())
        .select_from(Metric)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.report_id == report_id)
    )


def test_second_run_does_nothing(client, factory):
    job_id = _completed_job(client, factory)
    assert process_job(job_id) == "processed"
    assert process_job(job_id) == "skipped"
    assert _metrics(job_id) == 200


def test_concurrent_runs_store_one_set_of_metrics(app, client, factory):
    job_id = _completed_job(client, factory)
    barrier, outcomes = threading.Barrier(2), []

    def worker():
        with app.app_context():
            barrier.wait()
            for _ in range(20):  # what Celery's autoretry does on a transient database error
                try:
                    outcomes.append(process_job(job_id))
                    return
                except OperationalError:
                    db.session.rollback()
            outcomes.append("gave up")

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["processed", "skipped"]
    db.session.expire_all()
    assert _metrics(job_id) == 200


def test_the_perf_rows_show_the_processed_report(client, factory):
    """Processing moves the report's times to the job's before it writes the metrics' stored
    perf rows, so the perf answer shows the times the report shows."""
    job_id = _completed_job(client, factory)
    started = utcnow() - timedelta(minutes=3)
    db.session.execute(update(Job).where(Job.id == job_id).values(started=started))
    db.session.commit()
    assert process_job(job_id) == "processed"
    report = client.get(f"/v0/projects/demo/reports/{_report_uuid(job_id)}").json
    perf = client.get(
        "/v0/projects/demo/perf",
        query_string=dict(
            branches="main", testbeds="localhost", benchmarks="b7", measures="latency"
        ),  # fmt: skip
    ).json
    (row,) = perf["results"][0]["metrics"]
    assert row["report"] == report["uuid"] and row["metric"]["value"] == 7.0
    for key in ("start_time", "end_time"):
        assert datetime.fromisoformat(row[key]) == datetime.fromisoformat(report[key])
    assert datetime.fromisoformat(row["start_time"]) == started


def _report_uuid(job_id: int) -> str:
    return db.session.scalar(select(Report.uuid).join(Job, Job.report_id == Report.id)
                             .where(Job.id == job_id))  # fmt: skip
