"""process_job is idempotent, also when two workers run it for the same job at once."""

import json
import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Job, Metric, ReportBenchmark
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
