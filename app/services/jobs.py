"""Job queries and the job state machine.

Every transition is one conditional ``UPDATE ... WHERE status IN (...)``: whichever message
arrives twice, late or out of order, at most one transition takes effect and the rest are no-ops.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.errors import BadRequest
from app.extensions import db
from app.models import Job, Project, Report
from app.models.types import utcnow
from app.services import notifier, on_commit
from app.services.lookup import MAX_MATCHES, only_match, uuid_matches
from protocol import HELD_STATUSES, JOB_STATUSES, TRANSITIONS

#: Statuses after which no runner needs the job's environment any more.
_RUN_ENDED = frozenset({"completed", "failed", "canceled"})


def transition(job_id: int, to: str, **values) -> bool:
    """Move the job to ``to`` if its current status allows it; True when it moved.

    A job whose run has ended has its ``env`` values scrubbed (the names stay): the runner had
    them with its claim, and a stored secret is one more copy to leak.

    A move is published after commit, so that log followers and long polls on the job learn of
    it at once, in any API process.
    """
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(TRANSITIONS[to]))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    moved = result.rowcount == 1
    if moved and to in _RUN_ENDED:
        _scrub_env(job_id)
    if moved:
        publish_status(job_id, to)
    return moved


def publish_status(job_id: int, status: str) -> None:
    """Announce after commit that job ``job_id`` is now ``status``."""
    publish = notifier().publish_job_event
    on_commit(lambda: publish(job_id, {"kind": "status", "status": status}))


def _scrub_env(job_id: int) -> None:
    config = db.session.scalar(select(Job.config).where(Job.id == job_id))
    if config and config.get("env"):
        scrubbed = {**config, "env": dict.fromkeys(config["env"], "")}
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(config=scrubbed)
            .execution_options(synchronize_session=False)
        )


def _fail_report(job_id: int) -> None:
    report_id = select(Job.report_id).where(Job.id == job_id).scalar_subquery()
    db.session.execute(
        update(Report)
        .where(Report.id == report_id)
        .values(status="failed")
        .execution_options(synchronize_session=False)
    )


def fail_job(job_id: int, error: str, **values) -> bool:
    """Fail the job (and its report) with a readable ``error``; False if it could not move."""
    moved = transition(job_id, "failed", error=error, **values)
    if moved:
        _fail_report(job_id)
    return moved


def mark_canceled(job_id: int, reason: str) -> bool:
    """Cancel the job (and fail its report); False if it had already finished."""
    moved = transition(job_id, "canceled", cancel_reason=reason, completed=utcnow())
    if moved:
        _fail_report(job_id)
    return moved


def list_jobs(
    project: Project, status: str | None, page: int, per_page: int
) -> tuple[list[Job], int]:
    """The project's jobs, newest first, optionally of one status; and the total count."""
    if status is not None and status not in JOB_STATUSES:
        raise BadRequest(f"unknown job status {status!r}; one of: {', '.join(JOB_STATUSES)}")
    query = (
        select(Job).join(Report, Job.report_id == Report.id).where(Report.project_id == project.id)
    )
    if status:
        query = query.where(Job.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    jobs = db.session.scalars(
        query.order_by(Job.created.desc(), Job.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(jobs), total


def get_job(project: Project, ref: str) -> Job:
    """The project's job whose uuid is ``ref`` or starts with it (404, or 400 if ambiguous)."""
    jobs = db.session.scalars(
        select(Job)
        .join(Report, Job.report_id == Report.id)
        .where(Report.project_id == project.id, uuid_matches(Job.uuid, ref))
        .limit(MAX_MATCHES + 1)
    ).all()
    return only_match(jobs, ref, "job", project.slug, lambda job: job.uuid)


def cancel_job(job: Job, reason: str) -> bool:
    """Cancel a job that has not finished; a runner holding it is told over its channel.

    Returns False when the job had already reached a terminal or completed state.
    """
    was_held = job.status in HELD_STATUSES
    moved = mark_canceled(job.id, reason)
    db.session.refresh(job)
    if moved and was_held:
        publish, job_uuid = notifier().publish_cancel, job.uuid
        on_commit(lambda: publish(job_uuid, reason))
    return moved
