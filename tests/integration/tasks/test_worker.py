"""process_results and the sweeper in real Celery worker processes over a real Redis."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from contextlib import contextmanager

import psycopg
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Job, Metric, ReportBenchmark
from tests.support.processes import api_process, free_port, server_env, wait_until, worker_process
from tests.support.runner_api import (
    claim,
    connect,
    create_job,
    create_runner,
    iteration,
    send,
    setup_project,
)
from tests.support.settings import TEST_REDIS_URL

BMF = json.dumps({"b1": {"latency": {"value": 5.0}}, "b2": {"latency": {"value": 7.0}}})
FAST_REDELIVERY = {
    "BENCHER_VISIBILITY_TIMEOUT": "6",
    "BENCHER_UNACKED_RESTORE_INTERVAL": "1",
    "BENCHER_TASK_SOFT_TIME_LIMIT": "4",
    "BENCHER_TASK_TIME_LIMIT": "5",
}


@pytest.fixture(autouse=True)
def _empty_queue():
    broker = redis.Redis.from_url(TEST_REDIS_URL)
    broker.flushdb()
    yield
    broker.flushdb()


@pytest.fixture
def runner(client, factory):
    setup_project(client, factory.admin_token)
    return "r1", create_runner(client, factory.admin_token, "r1")


def _env(app, **extra):
    settings = app.config["BENCHER"]
    return server_env(settings.database_url, settings.data_dir, **extra)


def _finish(url, factory, runner, results, **job) -> str:
    """Create a job and play the runner up to ``completed``; returns the job uuid."""
    job_uuid = create_job(url, factory.admin_token, **job)
    assert claim(url, *runner).status_code == 200
    ws = connect(url, *runner, job_uuid)
    send(ws, "running")
    assert send(ws, "completed", results=results)["status"] == "completed"
    ws.close()
    return job_uuid


def _job(uuid: str) -> Job:
    db.session.expire_all()
    return db.session.scalar(select(Job).where(Job.uuid == uuid))


def _metric_count(job: Job) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Metric)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.report_id == job.report_id)
    )


def _wait_status(uuid: str, statuses: tuple[str, ...], timeout: float = 60) -> Job:
    return wait_until(
        lambda: (job := _job(uuid)) is not None and job.status in statuses and job,
        timeout,
        f"job {uuid} reaching {statuses}",
        0.2,
    )


def test_worker_processes_results_and_failures(live_server, app, client, factory, runner, tmp_path):
    good = _finish(live_server.url, factory, runner, [iteration(BMF)])
    garbage = _finish(live_server.url, factory, runner, [iteration("no benchmarks here")])
    crashed = _finish(live_server.url, factory, runner, [iteration(BMF, 2, "boom: out of cheese")])
    allowed = _finish(live_server.url, factory, runner, [iteration(BMF, 1)], allow_failure=True)
    with worker_process(_env(app), tmp_path / "worker.log"):
        job = _wait_status(good, ("processed", "failed"))
        for uuid in (garbage, crashed, allowed):
            _wait_status(uuid, ("processed", "failed"))
    assert job.status == "processed", job.error
    report = client.get(f"/v0/projects/demo/reports/{job.report.uuid}").json
    assert report["status"] == "processed"
    assert {(r["benchmark"], r["value"]) for r in report["results"]} == {("b1", 5.0), ("b2", 7.0)}
    assert report["start_time"] == job.started.isoformat()
    failed = _job(garbage)
    assert failed.status == "failed" and "json" in failed.error.lower()
    assert failed.report.status == "failed"
    assert client.get(f"/v0/projects/demo/jobs/{garbage}?output=true").json["output"][0]["stdout"]
    assert "exited with code 2" in _job(crashed).error
    assert "out of cheese" in _job(crashed).error
    assert _job(allowed).status == "processed"


@contextmanager
def _write_lock(database_url: str, job_id: int):
    """Hold a lock that makes process_results block on its first write."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(False))
        conn.execute("SELECT id FROM job WHERE id = %s FOR UPDATE", (job_id,))
    try:
        yield
    finally:
        conn.rollback()
        conn.close()


def test_killed_worker_mid_task_yields_one_set_of_metrics(
    live_server, app, factory, runner, tmp_path
):
    uuid = _finish(live_server.url, factory, runner, [iteration(BMF)])
    job_id = _job(uuid).id
    env = _env(app, **FAST_REDELIVERY)
    first_log = tmp_path / "worker1.log"
    with _write_lock(app.config["BENCHER"].database_url, job_id):
        with worker_process(env, first_log) as worker:
            wait_until(lambda: b"process_results" in first_log.read_bytes(), 30, "task received")
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    assert _job(uuid).status == "completed"
    with worker_process(env, tmp_path / "worker2.log"):
        job = _wait_status(uuid, ("processed", "failed"), timeout=60)
    assert job.status == "processed", job.error
    assert _metric_count(job) == 2


@contextmanager
def _redis_server(port: int, log):
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--logfile", str(log)],
    )  # fmt: skip
    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), 10, "redis start")
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def test_sweeper_processes_a_job_completed_while_redis_was_down(
    app, client, factory, runner, tmp_path
):
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    env = _env(app, BENCHER_BROKER_URL=broker, BENCHER_SWEEP_INTERVAL="1",
               BENCHER_UNPROCESSED_AFTER="1")  # fmt: skip
    with _redis_server(port, tmp_path / "redis1.log"):
        api = api_process(env, tmp_path / "api2.log")
        url = api.__enter__()
    try:
        # Redis is down now: the runner still completes, the enqueue is lost.
        uuid = _finish(url, factory, runner, [iteration(BMF)])
        assert _job(uuid).status == "completed"
        with _redis_server(port, tmp_path / "redis2.log"):
            with worker_process(env, tmp_path / "worker.log", "--beat",
                                "--schedule", str(tmp_path / "beat-schedule")):  # fmt: skip
                job = _wait_status(uuid, ("processed", "failed"), timeout=60)
        assert job.status == "processed", job.error
        assert _metric_count(job) == 2
    finally:
        api.__exit__(None, None, None)
