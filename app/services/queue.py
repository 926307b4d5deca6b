"""Sending Celery tasks from the API by name, so the API never imports the task modules."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def enqueue_process_results(job_id: int) -> bool:
    """Queue ``process_results(job_id)``; False if the broker is down (the sweeper retries)."""
    from tasks.celery_app import celery

    try:
        celery.send_task("process_results", args=[job_id])
        return True
    except Exception as err:  # kombu raises several types; all mean "not queued now"
        log.warning("could not queue process_results(%s): %s; the sweeper will", job_id, err)
        return False
