"""Warm a worker up when it starts, so that its first job is processed as fast as its tenth.

The first ``process_results`` of a fresh worker used to spend seconds importing the adapters,
the threshold statistics and the server's models and building the Flask app. Module imports
happen once in the worker's main process (``worker_init``; forked children inherit them); the
app and a first database connection are made in each child (``worker_process_init``), never
before a fork, which would share connections between processes.
"""

from __future__ import annotations

import logging

from celery.signals import worker_init, worker_process_init

log = logging.getLogger(__name__)


def import_processing_code() -> None:
    """Import everything processing a job needs (no connections)."""
    import app.services.processing  # noqa: F401  (adapters, thresholds, models)


def warm_process() -> None:
    """Build this process's app and open one database connection."""
    from sqlalchemy import text

    from app.extensions import db
    from tasks.context import app_context

    import_processing_code()
    with app_context():
        db.session.execute(text("SELECT 1"))


@worker_init.connect
def _on_worker_init(**_kwargs) -> None:
    import_processing_code()


@worker_process_init.connect
def _on_worker_process_init(**_kwargs) -> None:
    try:
        warm_process()
    except Exception:  # a cold first job is better than a worker that does not start
        log.exception("worker warm-up failed; the first job will do it")
