"""A job's raw output (every iteration's exit code, stdout, stderr and files), kept as a blob."""

from __future__ import annotations

import json
import logging

from app.models import Job
from app.services import blobs, settings
from protocol.output import fit_results

log = logging.getLogger(__name__)


def output_limits() -> dict:
    """The limits a runner fits its final message to; sent with every claimed job."""
    current = settings()
    return {
        "max_output_bytes": current.max_output_bytes,
        "max_message_bytes": current.max_message_bytes,
    }


def store_job_output(job: Job, results: list[dict]) -> str:
    """Store ``results`` for ``job``; return the blob key.

    Output over ``max_output_bytes`` (a runner that did not fit it) is cut the same way a
    runner cuts it -- each text keeps its head and tail and says how much was dropped -- rather
    than failing the job with nothing kept.
    """
    cap = settings().max_output_bytes
    results, dropped = fit_results(results, cap)
    if dropped:
        log.info("job %s: %d bytes of output dropped (BENCHER_MAX_OUTPUT_BYTES)", job.uuid, dropped)
    data = json.dumps(results).encode()
    key = f"job-{job.uuid}.json"
    blobs().put(key, data)
    return key


def job_output(job: Job) -> list[dict] | None:
    """The stored output of ``job``, None while it has none."""
    if not job.output_key:
        return None
    return json.loads(blobs().get(job.output_key))
