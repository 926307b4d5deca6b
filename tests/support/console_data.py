"""The history the browser tests look at, made through the real API (and one job row).

Project ``demo`` (public): six runs on ``main``/``localhost``, one a day from 2024-05-01, each
with its own commit, of benchmarks ``fib`` and ``sort``; a static threshold puts an upper limit
of 50 on ``latency``, so ``fib``'s 60 and 100 raise two alerts. Project ``secret`` is private.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Job, Report, Spec
from app.services.job_output import store_job_output
from tests.support.server import auth, run_body

FIB = [10.0, 11.0, 12.0, 60.0, 11.0, 100.0]
SORT = [20.0, 21.0, 19.0, 20.0, 22.0, 21.0]
LIMIT = 50.0
STATIC = {"latency": {"test": "static", "upper_boundary": LIMIT}}


@dataclass
class Seeded:
    token: str
    reports: list[str] = field(default_factory=list)  # uuids, oldest first
    hashes: list[str] = field(default_factory=list)
    job: str = ""


def seed(client, admin_token: str) -> Seeded:
    headers = auth(admin_token)
    assert client.post("/v0/projects", json={"name": "demo"}, headers=headers).status_code == 201
    private = {"name": "secret", "visibility": "private"}
    assert client.post("/v0/projects", json=private, headers=headers).status_code == 201
    seeded = Seeded(admin_token)
    for day, (fib, sort) in enumerate(zip(FIB, SORT, strict=True)):
        commit = f"{day + 1:02d}" * 20
        results = {"fib": {"latency": {"value": fib}}, "sort": {"latency": {"value": sort}}}
        body = run_body("demo", [json.dumps(results)], thresholds=STATIC, hash=commit)
        when = datetime(2024, 5, 1, 12, tzinfo=UTC) + timedelta(days=day)
        body["start_time"] = when.isoformat()
        body["end_time"] = (when + timedelta(seconds=3)).isoformat()
        response = client.post("/v0/run", json=body, headers=headers)
        assert response.status_code == 201, response.json
        seeded.reports.append(response.json["uuid"])
        seeded.hashes.append(commit)
    seeded.job = _failed_job(seeded.reports[-1])
    return seeded


@dataclass
class More:
    """What :func:`seed_more` added, newest first (the order the console lists them in)."""

    reports: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


def seed_more(client, seeded: Seeded, count: int) -> More:
    """``count`` more runs of ``demo``, after the six: each of benchmark ``slow`` at 99 (one
    alert each), each with a completed job. Enough to page through the console's lists."""
    more = More()
    for day in range(count):
        results = {"slow": {"latency": {"value": 99.0}}}
        when = datetime(2024, 6, 1, 12, tzinfo=UTC) + timedelta(days=day)
        body = run_body("demo", [json.dumps(results)], thresholds=STATIC,
                        start_time=when.isoformat(), end_time=when.isoformat())  # fmt: skip
        response = client.post("/v0/run", json=body, headers=auth(seeded.token))
        assert response.status_code == 201, response.json
        more.reports.insert(0, response.json["uuid"])
        more.alerts.insert(0, response.json["alerts"][0]["uuid"])
        more.jobs.insert(0, _job(response.json["uuid"], "completed", when).uuid)
    db.session.commit()
    return more


def _job(report_uuid: str, status: str, created: datetime) -> Job:
    """A job of ``report_uuid`` that ran for seven seconds after ``created``."""
    report = db.session.query(Report).filter_by(uuid=report_uuid).one()
    spec = db.session.query(Spec).filter_by(slug="small").one_or_none()
    if spec is None:
        spec = Spec(slug="small", memory=2**28, disk=2**30)
        db.session.add(spec)
        db.session.flush()
    job = Job(
        report_id=report.id, organization_id=report.project.organization_id, spec_id=spec.id,
        image="127.0.0.1:5000/demo/bench:v1", registry_host="127.0.0.1:5000",
        repository="demo/bench", digest="sha256:" + "0" * 64, priority=0, concurrency=1,
        timeout=60, status=status, created=created, claimed=created + timedelta(seconds=1),
        started=created + timedelta(seconds=2), completed=created + timedelta(seconds=9),
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job


def _failed_job(report_uuid: str) -> str:
    """A job that ran and failed, with its output stored: what the job page shows."""
    job = _job(report_uuid, "failed", datetime(2024, 5, 6, 12, tzinfo=UTC))
    job.error = "iteration 0 exited with code 2"
    output = [{"exit_code": 2, "stdout": "warming up\n", "stderr": "fib: bad input\n"}]
    job.output_key = store_job_output(job, output)
    db.session.commit()
    return job.uuid
