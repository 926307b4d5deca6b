"""A job's raw output (every iteration's exit code, stdout, stderr and files), kept as a blob."""

from __future__ import annotations

import json

from app.errors import PayloadTooLarge
from app.models import Job
from app.services import blobs, settings


def store_job_output(job: Job, results: list[dict]) -> str:
    """Store ``results`` for ``job``; return the blob key. 413 past ``max_output_bytes``."""
    data = json.dumps(results).encode()
    cap = settings().max_output_bytes
    if len(data) > cap:
        raise PayloadTooLarge(
            f"job output is {len(data)} bytes, over the server's limit of {cap} bytes "
            "(BENCHER_MAX_OUTPUT_BYTES): print less, or write results to a file"
        )
    key = f"job-{job.uuid}.json"
    blobs().put(key, data)
    return key


def job_output(job: Job) -> list[dict] | None:
    """The stored output of ``job``, None while it has none."""
    if not job.output_key:
        return None
    return json.loads(blobs().get(job.output_key))
