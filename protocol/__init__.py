"""What crosses the wire between the API server, the ``bencher`` CLI and runners, in one place.

Standard library only, so every program can import it: job and report statuses and the job
state machine (:mod:`protocol.jobs`), the runner channel's messages (:mod:`protocol.runner`),
threshold test names (:mod:`protocol.thresholds`), the JSON error envelope
(:mod:`protocol.errors`) and the defaults all sides agree on (:mod:`protocol.defaults`).
"""

from protocol.defaults import (
    API_PREFIX,
    DEFAULT_HOST,
    DEFAULT_POLL_TIMEOUT,
    DEFAULT_PORT,
    HEARTBEAT_INTERVAL,
    MAX_POLL_TIMEOUT,
)
from protocol.errors import ErrorEnvelope, error_body, parse_error_body
from protocol.jobs import (
    HELD_STATUSES,
    JOB_STATUSES,
    REPORT_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    can_transition,
)
from protocol.runner import RUNNER_EVENTS, SERVER_EVENTS, TERMINAL_EVENTS
from protocol.thresholds import (
    ALERT_SIDES,
    ALERT_STATUSES,
    DEFAULT_K,
    DEFAULT_MANN_WHITNEY_SAMPLE_SIZE,
    FDR_TESTS,
    STATISTICAL_TESTS,
    THRESHOLD_TESTS,
)

__all__ = [
    "ALERT_SIDES",
    "ALERT_STATUSES",
    "API_PREFIX",
    "DEFAULT_HOST",
    "DEFAULT_K",
    "DEFAULT_MANN_WHITNEY_SAMPLE_SIZE",
    "DEFAULT_POLL_TIMEOUT",
    "DEFAULT_PORT",
    "HEARTBEAT_INTERVAL",
    "HELD_STATUSES",
    "JOB_STATUSES",
    "MAX_POLL_TIMEOUT",
    "REPORT_STATUSES",
    "RUNNER_EVENTS",
    "SERVER_EVENTS",
    "STATISTICAL_TESTS",
    "TERMINAL_EVENTS",
    "TERMINAL_STATUSES",
    "THRESHOLD_TESTS",
    "TRANSITIONS",
    "FDR_TESTS",
    "ErrorEnvelope",
    "can_transition",
    "error_body",
    "parse_error_body",
]
