"""``process_results`` for a job: parse its stored output, judge it, finalise the report.

Idempotent: the output is parsed and its benchmark and measure names committed (shared,
idempotent rows; see :func:`app.services.results.write_names`), then the job moves
``completed -> processed`` first in the same transaction as every result insert, so a second
or concurrent run finds nothing to do (on PostgreSQL it waits on the row lock, then sees the
job processed); the unique constraints on report_benchmark and metric back this up. A
processing error (output that cannot be parsed) rolls everything back and the
job is failed with the reason, its raw output kept.

Every attempt is counted first, in its own transaction, so an attempt that raises anything
else, or whose worker dies, still counts: after ``BENCHER_MAX_PROCESSING_ATTEMPTS`` the job is
failed with an internal error whose reference is logged with the traceback, and the sweeper
never re-queues it again.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.services import settings
from app.services.job_output import job_output
from app.services.jobs import fail_job, transition
from app.services.results import ProcessingError, parse_outputs, store_results, write_names

log = logging.getLogger(__name__)

_STDERR_TAIL = 2000


def select_outputs(results: list[dict], config: dict) -> list[list[str]]:
    """The texts to parse per iteration: the files named in ``file_paths``, else stdout.

    A non-zero exit without ``allow_failure`` is an error naming the iteration and showing
    the end of its stderr.
    """
    file_paths = config.get("file_paths") or []
    iterations = []
    for i, result in enumerate(results, start=1):
        code = result.get("exit_code")
        if code != 0 and not config.get("allow_failure"):
            tail = (result.get("stderr") or "")[-_STDERR_TAIL:].strip()
            detail = f"; stderr ends with:\n{tail}" if tail else ""
            raise ProcessingError(f"iteration {i} exited with code {code}{detail}")
        if file_paths:
            files = result.get("output") or {}
            missing = [p for p in file_paths if p not in files]
            if missing:
                raise ProcessingError(
                    f"iteration {i} did not write {', '.join(missing)} (only files under "
                    f"$BENCHER_OUTPUT_DIR, /bencher/output, outlive the sandbox)"
                )
            iterations.append([files[p] for p in file_paths])
        else:
            iterations.append([result.get("stdout") or ""])
    if not iterations:
        raise ProcessingError("the job produced no output to parse")
    return iterations


def process_job(job_id: int) -> str:
    """Process job ``job_id``'s output. Returns "processed", "failed" or "skipped".

    Commits: this is the unit of work of the Celery task and of the sweeper's retry. An
    unexpected exception is logged with a reference and re-raised (so the task's retries and
    the sweeper try again) until the attempts run out; then the job fails.
    """
    attempt = _start_attempt(job_id)
    if attempt is None:
        return "skipped"
    limit = settings().max_processing_attempts
    if attempt > limit:
        reference = _reference()
        log.error(
            "job %s: processing started %d times without finishing (reference %s)",
            job_id,
            attempt - 1,
            reference,
        )
        return _give_up(job_id, reference)
    try:
        return _process(job_id)
    except Exception:
        db.session.rollback()
        reference = _reference()
        log.exception(
            "job %s: processing attempt %d of %d failed (reference %s)",
            job_id,
            attempt,
            limit,
            reference,
        )
        if attempt < limit:
            raise
        return _give_up(job_id, reference)


def _reference() -> str:
    """A short id that ties a job's error message to its traceback in the server log."""
    return uuid.uuid4().hex[:12]


def _start_attempt(job_id: int) -> int | None:
    """Count one more attempt on a ``completed`` job and commit; its number, or None if the job
    is not waiting to be processed."""
    moved = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "completed")
        .values(processing_attempts=Job.processing_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    attempt = db.session.scalar(select(Job.processing_attempts).where(Job.id == job_id))
    db.session.commit()
    return attempt if moved == 1 else None


def _give_up(job_id: int, reference: str) -> str:
    moved = fail_job(
        job_id, f"internal error while processing (see server log, reference {reference})"
    )
    db.session.commit()
    return "failed" if moved else "skipped"


def _process(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    report = job.report
    try:
        parsed = parse_outputs(select_outputs(job_output(job) or [], job.config), report.settings)
    except ProcessingError as err:
        db.session.rollback()
        moved = fail_job(job_id, f"processing failed: {err}")
        db.session.commit()
        return "failed" if moved else "skipped"
    names = write_names(report.project, parsed)
    now = utcnow()
    if not transition(job_id, "processed", processed=now):
        db.session.rollback()
        return "skipped"
    job = db.session.scalar(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    )
    report = job.report
    report.start_time = job.started or job.claimed or report.start_time
    report.end_time = job.completed or now
    store_results(report, parsed, names)
    report.status = "processed"
    db.session.commit()
    return "processed"
