"""``POST /v0/run``: create a report, and either process its results now or queue a job."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.errors import BadRequest
from app.extensions import db
from app.models import Job, Report, Spec, Testbed, User
from app.services import settings
from app.services.branches import prepare_branch, version_for_run
from app.services.images import ResolvedImage, resolve_image
from app.services.plans import job_limits
from app.services.projects import ensure_dimension, get_project
from app.services.results import ProcessingError, parse_outputs, store_results, write_names
from app.services.threshold_admin import retire_unnamed_thresholds, upsert_inline_thresholds
from protocol.context import CONTEXT_HASH, CONTEXT_OS, CONTEXT_REF_NAME

DEFAULT_BRANCH = "main"
DEFAULT_TESTBED = "localhost"
JOB_CONFIG_KEYS = ("entrypoint", "cmd", "env", "file_paths", "iter", "allow_failure")


@dataclass
class RunOutcome:
    report: Report
    created: bool
    job: Job | None = None


def create_run(user: User, data: dict) -> RunOutcome:
    """Create the report for a run; local results are processed inline, jobs are queued.

    With ``idempotency_key`` a repeated request returns the first report and creates nothing.
    Local results are parsed (a 400 when they cannot be, or exceed the size cap) and their
    names committed in batches before the report's transaction (see
    :func:`app.services.results.write_names`).
    The image is resolved against its registry before anything is written; the report, its
    branch head and version, and the job are then inserted in the caller's one transaction.
    Unset ``branch``, ``hash`` and ``testbed`` default from the run's ``context``: the ref name
    (else ``main``), the branch's commit, and (for a job) the spec's slug, else the OS name.
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

    context = data["context"]
    job_data = data.get("job")
    report_settings = {k: v for k, v in data["settings"].items() if v is not None}
    parsed = names = None
    if job_data is None:
        try:
            parsed = parse_outputs([[text] for text in data["results"]], report_settings)
        except ProcessingError as err:
            raise BadRequest(str(err)) from None
        names = write_names(project, parsed)
    image = resolve_image(job_data["image"], settings().registries) if job_data else None
    testbed_ref = data.get("testbed")
    spec = None
    if job_data:
        spec = _resolve_spec(job_data.get("spec"), _find_testbed(project, testbed_ref))
        testbed_ref = testbed_ref or spec.slug
    testbed = ensure_dimension(
        Testbed, project, testbed_ref or context.get(CONTEXT_OS) or DEFAULT_TESTBED
    )
    branch_ref = data.get("branch") or context.get(CONTEXT_REF_NAME) or DEFAULT_BRANCH
    placed = prepare_branch(project, branch_ref, data.get("start_point"))
    version = version_for_run(placed.head, data.get("hash") or context.get(CONTEXT_HASH))
    report = Report(
        project=project,
        branch=placed.branch,
        head_id=placed.head.id,
        version=version,
        testbed=testbed,
        user_id=user.id,
        hash=version.hash,
        adapter=report_settings.get("adapter", "magic"),
        settings=report_settings,
        warnings=placed.warnings,
        start_time=data["start_time"],
        end_time=data["end_time"],
        idempotency_key=key,
    )
    db.session.add(report)
    db.session.flush()
    if data.get("thresholds"):
        upsert_inline_thresholds(project, placed.branch, testbed, data["thresholds"])
    if data["thresholds_reset"]:
        retire_unnamed_thresholds(placed.branch, testbed, set(data.get("thresholds") or ()))

    if parsed is not None:
        store_results(report, parsed, names)
        report.status = "processed"
        return RunOutcome(report, created=True)
    job = _create_job(user, report, image, spec, job_data)
    return RunOutcome(report, created=True, job=job)


def _find_testbed(project, slug: str | None) -> Testbed | None:
    if not slug:
        return None
    return db.session.scalar(
        select(Testbed).where(Testbed.project_id == project.id, Testbed.slug == slug)
    )


def _create_job(
    user: User, report: Report, image: ResolvedImage, spec: Spec, job_data: dict
) -> Job:
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


def _resolve_spec(ref: str | None, testbed: Testbed | None) -> Spec:
    """The explicit spec, else the testbed's, else the single fallback spec, else 400."""
    if ref:
        spec = db.session.scalar(select(Spec).where((Spec.slug == ref) | (Spec.uuid == ref)))
        if spec is None:
            raise BadRequest(f"spec {ref!r} does not exist; list specs with GET /v0/specs")
        return spec
    if testbed is not None and testbed.spec_id is not None:
        return db.session.get(Spec, testbed.spec_id)
    fallback = db.session.scalar(select(Spec).where(Spec.fallback.is_(True)))
    if fallback is None:
        raise BadRequest(
            "no spec given and no fallback spec exists: pass job.spec (--spec) "
            "or ask an admin to create a fallback spec"
        )
    return fallback
