"""Backoff schedules for polling a job and retrying requests; pure, so the schedule is testable.

The delays grow geometrically from ``initial`` by ``factor`` up to ``cap``. Jitter only ever
shortens a delay (each is drawn from ``[base * (1 - jitter), base)``) so that many clients
polling the same server spread out without any delay exceeding the cap.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from protocol.defaults import JOB_POLL_MAX_INTERVAL

#: How long past the job's own timeout ``bencher run`` keeps waiting for a remote job: time in
#: the queue before a runner claims it, pulling the image, the server's hard-timeout grace and
#: processing the results.
WAIT_ALLOWANCE = 15 * 60


@dataclass
class Schedule:
    """Exponential backoff with downward jitter; :meth:`reset` restarts at ``initial``.

    ``random`` returns a float in ``[0, 1)``; tests inject a fixed one.
    """

    initial: float = 0.25
    factor: float = 1.6
    cap: float = 3.0
    jitter: float = 0.2
    random: Callable[[], float] = field(default=_random.random, repr=False)
    _attempt: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.cap and self.factor >= 1 and 0 <= self.jitter < 1):
            raise ValueError("need 0 < initial <= cap, factor >= 1 and 0 <= jitter < 1")

    def base(self, attempt: int) -> float:
        """The un-jittered delay before retry number ``attempt`` (0-based)."""
        # min() before the power would overflow for very long waits; the cap is hit early anyway
        return min(self.cap, self.initial * self.factor ** min(attempt, 64))

    def next_delay(self) -> float:
        """The next delay in seconds; each call moves one step along the schedule."""
        base = self.base(self._attempt)
        self._attempt += 1
        return base * (1 - self.jitter * self.random())

    def reset(self) -> None:
        """Start again from ``initial`` (the job's status changed, so it is moving)."""
        self._attempt = 0

    def delays(self, count: int) -> Iterator[float]:
        """The next ``count`` delays."""
        for _ in range(count):
            yield self.next_delay()


def polling_schedule(random: Callable[[], float] = _random.random) -> Schedule:
    """The schedule ``bencher run`` uses to poll a job: 0.25 s, growing 1.6x, capped at 3 s."""
    return Schedule(initial=0.25, factor=1.6, cap=JOB_POLL_MAX_INTERVAL, jitter=0.2, random=random)


def retry_schedule(random: Callable[[], float] = _random.random) -> Schedule:
    """The schedule between retries of one HTTP request: 0.5 s, doubling, capped at 4 s."""
    return Schedule(initial=0.5, factor=2.0, cap=4.0, jitter=0.25, random=random)


def wait_limit(job_timeout: int | None, default_timeout: int = 600) -> float:
    """How long to wait for a remote job before giving up: its timeout + :data:`WAIT_ALLOWANCE`."""
    return float(job_timeout or default_timeout) + WAIT_ALLOWANCE
