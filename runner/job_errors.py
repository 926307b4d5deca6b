"""Why one job failed, in words for its owner, whatever went wrong while the runner ran it.

The runner serves many users: nothing one job supplies (its image, its paths, what it writes)
may stop the daemon. The daemon fails the job with :func:`failure_reason` and claims the next
one. Errors that a job's own input causes are :class:`JobInputError` and are reported as they
are; anything else is a runner-side surprise, logged with its traceback and reported without
internals beyond its type and message.
"""

from __future__ import annotations

import logging

log = logging.getLogger("bencher.runner")


class JobInputError(Exception):
    """A value the job supplied cannot be used; the message says which and what to do."""


def failure_reason(err: Exception, job_uuid: str) -> str:
    """The reason a job that raised ``err`` is reported failed (logged when unexpected)."""
    if isinstance(err, JobInputError):
        return str(err)
    log.error("job %s: runner error", job_uuid, exc_info=err)
    if isinstance(err, OSError):
        where = f" ({err.filename})" if err.filename else ""
        return f"the runner could not run the job: {err.strerror or err}{where}"
    return f"the runner could not run the job: {type(err).__name__}: {err}"
