"""Claiming jobs: one atomic statement picks the best pending job a runner may take."""

from __future__ import annotations

import random
import time

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.listener import listener_for
from app.models import Job, Runner, runner_spec
from app.models.types import utcnow
from app.services import settings

# Any fixed number: the advisory lock that serialises claims on PostgreSQL so that two claims
# cannot both see an organisation below its concurrency limit.
_CLAIM_LOCK = 0x62656E63


def claim_job(runner_id: int) -> Job | None:
    """Claim the highest-priority, oldest pending job for the runner's specs, or None.

    The caller commits. Race-free on both databases: on PostgreSQL the candidate row is taken
    ``FOR UPDATE SKIP LOCKED`` under a transaction-scoped advisory lock; on SQLite the single
    ``UPDATE ... RETURNING`` runs under the database write lock.
    """
    # Held jobs per organisation, counted once per claim (not once per candidate row). The
    # alias keeps the candidate query from correlating with the UPDATE's own ``job`` table.
    held = aliased(Job, name="held")
    busy = (
        select(held.organization_id, func.count().label("running"))
        .where(held.status.in_(("claimed", "running")))
        .group_by(held.organization_id)
        .subquery("busy")
    )
    pending = aliased(Job, name="pending")
    served = select(runner_spec.c.spec_id).where(runner_spec.c.runner_id == runner_id)
    candidate = (
        select(pending.id)
        .outerjoin(busy, busy.c.organization_id == pending.organization_id)
        .where(
            pending.status == "pending",
            pending.spec_id.in_(served),
            func.coalesce(busy.c.running, 0) < pending.concurrency,
        )
        .order_by(pending.priority.desc(), pending.created, pending.id)
        .limit(1)
    )
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CLAIM_LOCK})
        candidate = candidate.with_for_update(skip_locked=True, of=pending)
    now = utcnow()
    job_id = db.session.scalar(
        update(Job)
        .where(Job.id == candidate.correlate(None).scalar_subquery(), Job.status == "pending")
        .values(status="claimed", runner_id=runner_id, claimed=now, last_heartbeat=now)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(Job, job_id, populate_existing=True) if job_id is not None else None


def wait_and_claim(runner: Runner, poll_timeout: float) -> Job | None:
    """Long-poll: claim now, else sleep until a "job available" publish for one of the
    runner's specs (or the periodic re-check) and try again, until ``poll_timeout``.

    A found job is returned in the open transaction (the caller serialises it, then commits:
    the claim must be committed before the runner hears of it). Each empty attempt is
    committed and its connection returned to the pool, so waiting holds no connection.
    """
    runner_id, spec_ids = runner.id, frozenset(spec.id for spec in runner.specs)
    runner.last_seen = utcnow()
    listener = listener_for(settings().broker_url)
    recheck = settings().claim_recheck
    deadline = time.monotonic() + poll_timeout
    while True:
        waiter = listener.add_waiter(spec_ids)
        job = claim_job(runner_id)
        if job is not None:
            listener.remove_waiter(waiter)
            return job
        db.session.commit()
        db.session.close()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            listener.remove_waiter(waiter)
            return None
        # Jittered so that idle runners' re-checks do not arrive in bursts.
        waiter.event.wait(min(remaining, recheck * random.uniform(0.5, 1.5)))
        listener.remove_waiter(waiter)
