"""Claiming jobs: one atomic statement picks the best pending job a runner may take."""

from __future__ import annotations

import functools
import random
import time

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import aliased, lazyload

from app.extensions import db
from app.listener import listener_for
from app.models import Job, Runner, runner_spec
from app.models.types import UTCDateTime, utcnow
from app.services import settings
from app.services.jobs import publish_status
from protocol import HELD_STATUSES

# Any fixed number: the advisory lock that serialises claims on PostgreSQL so that two claims
# cannot both see an organisation below its concurrency limit.
_CLAIM_LOCK = 0x62656E63


@functools.cache
def _claim_statement(postgres: bool):
    """The claim UPDATE, built once per dialect: building it per call (aliases, subqueries)
    cost more CPU than running it. ``runner_id`` and ``now`` are bound at execution."""
    # Held jobs per organisation, counted once per claim (not once per candidate row). The
    # aliases keep the candidate query from correlating with the UPDATE's own ``job`` table.
    held = aliased(Job, name="held")
    busy = (
        select(held.organization_id, func.count().label("running"))
        .where(held.status.in_(HELD_STATUSES))
        .group_by(held.organization_id)
        .subquery("busy")
    )
    pending = aliased(Job, name="pending")
    runner_id = bindparam("runner_id")
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
    if postgres:
        candidate = candidate.with_for_update(skip_locked=True, of=pending)
    now = bindparam("now", type_=UTCDateTime)
    return (
        update(Job)
        .where(Job.id == candidate.correlate(None).scalar_subquery(), Job.status == "pending")
        .values(status="claimed", runner_id=runner_id, claimed=now, last_heartbeat=now)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )


def claim_job(runner_id: int) -> Job | None:
    """Claim the highest-priority, oldest pending job for the runner's specs, or None.

    The caller commits. Race-free on both databases: on PostgreSQL the candidate row is taken
    ``FOR UPDATE SKIP LOCKED`` under a transaction-scoped advisory lock; on SQLite the single
    ``UPDATE ... RETURNING`` runs under the database write lock.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CLAIM_LOCK})
    job_id = db.session.scalar(
        _claim_statement(postgres), {"runner_id": runner_id, "now": utcnow()}
    )
    if job_id is None:
        return None
    publish_status(job_id, "claimed")
    # Only what the claim response needs: the report's joined relationships are not loaded.
    return db.session.scalar(
        select(Job)
        .options(lazyload(Job.report), lazyload(Job.runner))
        .where(Job.id == job_id)
        .execution_options(populate_existing=True)
    )


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
