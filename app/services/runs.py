"""``POST /v0/run``: create a report, and either process its results now or queue a job."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.errors import BadRequest
from app.extensions import db
from app.models import Branch, Job, Report, Spec, Testbed, User
from app.services import settings
from app.services.images import resolve_image
from app.services.plans import job_limits
from app.services.projects import ensure_dimension, get_project
from app.services.results import ProcessingError, parse_outputs, store_results
from app.services.threshold_admin import upsert_inline_thresholds

JOB_CONFIG_KEYS = ("entrypoint", "cmd", "env", "file_paths", "iter", "allow_failure")


@dataclass
class RunOutcome:
    report: Report
    created: bool
    job: Job | None = None


def create_run(user: User, data: dict) -> RunOutcome:
    """Create the report for a run; local results are processed inline, jobs are queued.

    With ``idempotency_key`` a repeated request returns the first report and creates nothing.
    A job's report and job are inserted in the caller's one transaction.
    """
    project = get_project(user, data["project"], write=True)
    key = data.get("idempotency_key")
    if key:
        existing = db.session.scalar(
            select(Report).where(Report.project_id == project.id, Report.idempotency_key == key)
        )
        if existing is not None:
            job = db.session.scalar(select(Job).where(Job.report_id == existing.id))
            return RunOutcome(existing, created=False, job=job)

    branch = ensure_dimension(Branch, project, data.get("branch") or "main")
    testbed = ensure_dimension(Testbed, project, data.get("testbed") or "localhost")
    report_settings = {k: v for k, v in data["settings"].items() if v is not None}
    report = Report(
        project=project,
        branch=branch,
        testbed=testbed,
        user_id=user.id,
        hash=data.get("hash"),
        adapter=report_settings.get("adapter", "magic"),
        settings=report_settings,
        start_time=data["start_time"],
        end_time=data["end_time"],
        idempotency_key=key,
    )
    db.session.add(report)
    db.session.flush()
    if data.get("thresholds"):
        upsert_inline_thresholds(project, branch, testbed, data["thresholds"])

    job_data = data.get("job")
    if job_data is None:
        try:
            iterations = [[text] for text in data["results"]]
            store_results(report, parse_outputs(iterations, report_settings))
        except ProcessingError as err:
            raise BadRequest(str(err)) from None
        report.status = "processed"
        return RunOutcome(report, created=True)
    return RunOutcome(report, created=True, job=_create_job(user, report, testbed, job_data))


def _create_job(user: User, report: Report, testbed: Testbed, job_data: dict) -> Job:
    image = resolve_image(job_data["image"], settings().registries)
    spec = _resolve_spec(job_data.get("spec"), testbed)
    plan = user.organization.plan
    tier, timeout = job_limits(plan, job_data.get("timeout"))
    config = {k: job_data[k] for k in JOB_CONFIG_KEYS if job_data.get(k) is not None}
    config.setdefault("iter", 1)
    config["timeout"] = timeout
    job = Job(
        report=report,
        organization_id=user.organization_id,
        spec=spec,
        image=image.reference,
        registry_host=image.registry,
        repository=image.repository,
        digest=image.digest,
        config=config,
        priority=tier.priority,
        concurrency=tier.concurrency,
        timeout=timeout,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _resolve_spec(ref: str | None, testbed: Testbed) -> Spec:
    """The explicit spec, else the testbed's, else the single fallback spec, else 400."""
    if ref:
        spec = db.session.scalar(select(Spec).where((Spec.slug == ref) | (Spec.uuid == ref)))
        if spec is None:
            raise BadRequest(f"spec {ref!r} does not exist; list specs with GET /v0/specs")
        return spec
    if testbed.spec_id is not None:
        return db.session.get(Spec, testbed.spec_id)
    fallback = db.session.scalar(select(Spec).where(Spec.fallback.is_(True)))
    if fallback is None:
        raise BadRequest(
            "no spec given and no fallback spec exists: pass job.spec (--spec) "
            "or ask an admin to create a fallback spec"
        )
    return fallback
