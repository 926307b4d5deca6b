"""``process_results`` for a job: parse its stored output, judge it, finalise the report.

Idempotent: the job moves ``completed -> processed`` first, in the same transaction as every
insert, so a second or concurrent run finds nothing to do (on PostgreSQL it waits on the row
lock, then sees the job processed); the unique constraints on report_benchmark and metric
back this up. Any processing error rolls everything back and the job is failed with the
reason, its raw output kept.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.services.job_output import job_output
from app.services.jobs import fail_job, transition
from app.services.results import ProcessingError, parse_outputs, store_results

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

    Commits: this is the unit of work of the Celery task and of the sweeper's retry.
    """
    now = utcnow()
    if not transition(job_id, "processed", processed=now):
        db.session.rollback()
        return "skipped"
    job = db.session.scalar(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    )
    report = job.report
    try:
        iterations = select_outputs(job_output(job) or [], job.config)
        report.start_time = job.started or job.claimed or report.start_time
        report.end_time = job.completed or now
        store_results(report, parse_outputs(iterations, report.settings))
        report.status = "processed"
        db.session.commit()
        return "processed"
    except ProcessingError as err:
        db.session.rollback()
        fail_job(job_id, f"processing failed: {err}")
        db.session.commit()
        return "failed"
