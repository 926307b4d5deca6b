"""``process_results``: a completed job's output becomes metrics, boundaries and alerts."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError

from tasks.celery_app import celery
from tasks.context import app_context

log = logging.getLogger(__name__)


@celery.task(
    name="process_results",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, DBAPIError),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def process_results(job_id: int) -> str:
    """Process job ``job_id``; returns "processed", "failed" or "skipped" (already done)."""
    from app.services.processing import process_job

    with app_context():
        outcome = process_job(job_id)
    log.info("process_results(%s): %s", job_id, outcome)
    return outcome
