"""Processing has an end: any exception counts as an attempt and the job fails after
BENCHER_MAX_PROCESSING_ATTEMPTS with a reference into the server log; a report over
BENCHER_MAX_REPORT_RESULTS is refused; the sweeper never re-queues a job that gave up."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.models import Benchmark, Job
from app.models.types import utcnow
from app.services.job_output import store_job_output
from app.services.processing import process_job
from app.services.sweeps import sweep
from tests.support.runner_api import create_job, setup_project
from tests.support.server import auth, run_body
from tests.support.settings import TEST_REDIS_URL

BMF = json.dumps({f"b{i}": {"latency": {"value": float(i)}} for i in range(30)})


@pytest.fixture
def settings_overrides():
    return {"max_processing_attempts": 3, "max_report_results": 50}


def _completed_job(client, factory, output: list) -> int:
    setup_project(client, factory.admin_token)
    uuid = create_job(client, factory.admin_token)
    job = db.session.scalar(select(Job).where(Job.uuid == uuid))
    old = utcnow() - timedelta(hours=1)
    job.output_key = store_job_output(job, output)
    job.status, job.claimed, job.started, job.completed = "completed", old, old, old
    db.session.commit()
    return job.id


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_an_unexpected_error_fails_the_job_after_the_last_attempt(client, factory, caplog):
    job_id = _completed_job(client, factory, [42])  # not an iteration: AttributeError
    caplog.set_level(logging.ERROR, logger="app.services.processing")
    for attempt in (1, 2):
        with pytest.raises(AttributeError):
            process_job(job_id)
        assert _job(job_id).status == "completed"
        assert _job(job_id).processing_attempts == attempt

    assert process_job(job_id) == "failed"

    job = _job(job_id)
    assert job.status == "failed" and job.report.status == "failed"
    found = re.fullmatch(
        r"internal error while processing \(see server log, reference ([0-9a-f]{12})\)",
        job.error,
    )
    assert found, job.error
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info[0] is AttributeError
    assert process_job(job_id) == "skipped"


def test_attempts_whose_worker_died_count_too(client, factory, caplog):
    job_id = _completed_job(client, factory, [{"exit_code": 0, "stdout": BMF, "stderr": ""}])
    job = _job(job_id)
    job.processing_attempts = 3  # three workers died mid-way: no exception was ever raised
    db.session.commit()
    caplog.set_level(logging.ERROR, logger="app.services.processing")

    assert process_job(job_id) == "failed"
    assert "internal error while processing" in _job(job_id).error
    assert "started 3 times without finishing" in caplog.text


def test_the_sweeper_stops_requeueing_a_job_that_gave_up(client, factory):
    job_id = _completed_job(client, factory, [42])
    broker = redis.Redis.from_url(TEST_REDIS_URL)
    broker.delete("celery")
    assert sweep()["requeued"] == 1  # still completed: processing is retried
    for _ in range(2):
        with pytest.raises(AttributeError):
            process_job(job_id)
    assert process_job(job_id) == "failed"
    broker.delete("celery")
    assert sweep()["requeued"] == 0
    assert broker.llen("celery") == 0


def test_a_job_over_the_results_cap_fails_with_the_setting_named(client, factory):
    output = [{"exit_code": 0, "stdout": BMF, "stderr": ""}] * 2  # 30 x 1 x 2 = 60 results
    job_id = _completed_job(client, factory, output)

    assert process_job(job_id) == "failed"

    error = _job(job_id).error
    assert "has 60 results" in error and "BENCHER_MAX_REPORT_RESULTS" in error
    assert db.session.scalar(select(Benchmark.id).limit(1)) is None


def test_a_local_run_over_the_results_cap_is_a_400(client, factory):
    setup_project(client, factory.admin_token)
    body = run_body("demo", [BMF, BMF])
    response = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert response.status_code == 400
    assert "has 60 results" in response.json["message"]
    assert "BENCHER_MAX_REPORT_RESULTS" in response.json["message"]
    assert db.session.scalar(select(Benchmark.id).limit(1)) is None
    ok = client.post("/v0/run", json=run_body("demo", [BMF]), headers=auth(factory.admin_token))
    assert ok.status_code == 201, ok.json
