"""Job and report statuses, and the job state machine.

::

    pending -> claimed -> running -> completed -> processed
                                              \\-> failed      (processing failed)
    claimed|running           -> failed      (runner failure, heartbeat lost)
    pending|claimed|running   -> canceled    (user cancel; claimed|running also by the hard
                                              timeout or the runner itself)

The server applies each transition as one conditional update, so a message that arrives twice,
late or out of order moves the job at most once.
"""

JOB_STATUSES: tuple[str, ...] = (
    "pending",
    "claimed",
    "running",
    "completed",
    "processed",
    "failed",
    "canceled",
)
#: A runner holds the job: it must heartbeat, and a cancel is pushed to it.
HELD_STATUSES: tuple[str, ...] = ("claimed", "running")
#: Nothing more happens to the job.
TERMINAL_STATUSES: tuple[str, ...] = ("processed", "failed", "canceled")

#: to-status -> the statuses it may be entered from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "claimed": ("pending",),
    "running": ("claimed",),
    "completed": ("running", "claimed"),
    "processed": ("completed",),
    "failed": ("claimed", "running", "completed"),
    "canceled": ("pending", "claimed", "running"),
}

REPORT_STATUSES: tuple[str, ...] = ("pending", "processed", "failed")


def can_transition(current: str, to: str) -> bool:
    """Whether a job in ``current`` may move to ``to``."""
    return current in TRANSITIONS.get(to, ())
