"""The periodic sweep: finish what a lost message, a down broker or a dead runner left undone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.services import notifier, on_commit, settings
from app.services.jobs import fail_job, mark_canceled
from app.services.queue import enqueue_process_results
from protocol import HELD_STATUSES


def sweep() -> dict[str, int]:
    """One sweep; commits. Returns how many jobs were re-queued, failed and canceled."""
    config = settings()
    now = utcnow()
    stale = db.session.scalars(
        select(Job.id).where(
            Job.status == "completed",
            Job.completed < now - timedelta(seconds=config.unprocessed_after),
        )
    ).all()
    silent = db.session.scalars(
        select(Job.id).where(
            Job.status.in_(HELD_STATUSES),
            Job.last_heartbeat < now - timedelta(seconds=config.heartbeat_timeout),
        )
    ).all()
    failed = sum(
        fail_job(job_id, f"no heartbeat from the runner for {config.heartbeat_timeout} s")
        for job_id in silent
    )
    # Compared in Python: the deadline depends on each job's own timeout, and few jobs run.
    held = db.session.execute(
        select(Job.id, Job.uuid, Job.timeout, func.coalesce(Job.started, Job.claimed)).where(
            Job.status.in_(HELD_STATUSES)
        )
    ).all()
    canceled = 0
    publish = notifier().publish_cancel
    for job_id, job_uuid, timeout, since in held:
        limit = timeout + config.timeout_grace
        if since is not None and since.replace(tzinfo=now.tzinfo) + timedelta(seconds=limit) < now:
            reason = (
                f"hard timeout: the job ran longer than {timeout} s "
                f"(+{config.timeout_grace} s grace)"
            )
            if mark_canceled(job_id, reason):
                canceled += 1
                on_commit(lambda u=job_uuid, r=reason: publish(u, r))
    db.session.commit()
    requeued = sum(enqueue_process_results(job_id) for job_id in stale)
    return {"requeued": requeued, "failed": failed, "canceled": canceled}
