"""``sweep_jobs`` (Celery beat): repair what a lost message or a dead runner left behind."""

from __future__ import annotations

import logging

from tasks.celery_app import celery
from tasks.context import app_context

log = logging.getLogger(__name__)


@celery.task(name="sweep_jobs", acks_late=True, ignore_result=True)
def sweep_jobs() -> dict:
    """Re-queue stale completed jobs, fail silent ones, cancel overdue ones; return counts."""
    from app.services.sweeps import sweep

    with app_context():
        counts = sweep()
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts
