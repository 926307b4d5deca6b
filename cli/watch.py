"""Follow a remote job until it ends: poll with backoff, show status changes, cancel on Ctrl-C.

With ``long_poll`` each poll after the first asks the server to hold the answer until the status
changes (up to :data:`LONG_POLL` s), so a change is seen within tens of milliseconds whatever
the job's length. Otherwise -- and after errors, or against a server that answers at once --
polling starts at 0.25 s and backs off to about 3 s (see :mod:`cli.backoff`), restarting from
0.25 s whenever the status changes, because a job that just moved is likely to move again
soon. ``live`` receives the job's output batches as it runs, from a follower thread. The
wait is bounded: the job's timeout plus :data:`cli.backoff.WAIT_ALLOWANCE` (queueing,
image pull, the server's grace period and processing), or ``--max-wait``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import click

from cli import exit_codes
from cli.backoff import Schedule, polling_schedule, wait_limit
from cli.client import Client, Unreachable
from cli.display import status_word
from cli.progress import Progress, elapsed
from protocol import TERMINAL_STATUSES

#: How long to wait for the job to reach a terminal state once a cancel was asked for.
CANCEL_WAIT = 60.0
#: How long the server may stay unreachable while a job is followed: a restart of the API
#: during a long job should not fail the run, a server that is gone should not hang it.
OUTAGE_LIMIT = 120.0
#: Seconds the server may hold one status poll (its limit is 60).
LONG_POLL = 30.0
#: How long the final output waits for the live log to catch up once the job ended.
LIVE_JOIN = 5.0


class GaveUp(click.ClickException):
    """The job did not finish within the wait limit (it keeps running on the server)."""

    exit_code = exit_codes.FAILED


class Interrupted(click.ClickException):
    """Ctrl-C: a local command was stopped, a job was canceled, or a second Ctrl-C gave up
    waiting for the cancel (exit 130, the shell's convention)."""

    exit_code = exit_codes.INTERRUPTED


def _detail(job: dict) -> str:
    if job["status"] == "claimed" and job.get("runner"):
        return f"by runner {job['runner']}"
    if job["status"] == "pending" and job.get("spec"):
        return f"waiting for a runner with spec {job['spec'].get('slug')}"
    return ""


class JobWatcher:
    """Polls one job; :meth:`watch` returns it once it is processed, failed or canceled."""

    def __init__(
        self,
        client: Client,
        project: str,
        job_uuid: str,
        progress: Progress,
        *,
        max_wait: float | None = None,
        schedule: Callable[[], Schedule] = polling_schedule,
        long_poll: bool = False,
        live: Callable[[dict], None] | None = None,
    ):
        self.client = client
        self.project = project
        self.job_uuid = job_uuid
        self.progress = progress
        self.max_wait = max_wait
        self.schedule = schedule
        self.long_poll = long_poll
        self.live = live
        self._live_thread: threading.Thread | None = None
        #: Whether any live output was shown (the run then does not print it again).
        self.showed_live = False
        #: Whether Ctrl-C asked for the cancel (the run then exits 130, as a local one does).
        self.interrupted = False

    def watch(self) -> dict:
        """Wait for the job to end. Ctrl-C asks the server to cancel it and waits for that;
        a second Ctrl-C raises :class:`Interrupted` at once."""
        if self.live is not None:
            self._live_thread = threading.Thread(target=self._follow_log, daemon=True)
            self._live_thread.start()
        try:
            return self._poll(self.max_wait)
        except KeyboardInterrupt:
            self.interrupted = True
        self.progress.note(
            f"\nInterrupted: asking the server to cancel job {self.job_uuid} "
            "(press Ctrl-C again to exit now)",
            force=True,
        )
        try:
            job = self.client.cancel_job(self.project, self.job_uuid)
            if job["status"] not in TERMINAL_STATUSES:
                self.progress.note(
                    f"job is already {status_word(job['status'])}; waiting for it to finish",
                    force=True,
                )
            return self._poll(self.progress.elapsed() + CANCEL_WAIT)
        except KeyboardInterrupt:
            self.progress.done()
            raise Interrupted(
                f"stopped following job {self.job_uuid}; see it with `bencher job view "
                f"{self.job_uuid}`"
            ) from None

    def _follow_log(self) -> None:
        from cli.logs import follow

        try:
            follow(self.client, self.project, self.job_uuid, self._show)
        except Exception as err:  # the live view is a convenience: the run goes on without it
            self.progress.note(f"(live output unavailable: {err})")

    def _show(self, chunk: dict) -> None:
        if self.live is not None:
            self.showed_live = True
            self.live(chunk)

    def _fetch(
        self, since: float | None, seen: str | None = None, wait: float = 0
    ) -> tuple[dict | None, float | None]:
        """The job, or None while the server is briefly unreachable (since ``since``). With
        ``seen`` and ``wait`` the server holds the answer while the job is still ``seen``."""
        wait = round(wait, 2) if seen and wait >= 0.1 else 0
        try:
            return self.client.get_job(self.project, self.job_uuid, wait=wait, status=seen), None
        except Unreachable as err:
            since = self.progress.elapsed() if since is None else since
            if self.progress.elapsed() - since >= OUTAGE_LIMIT:
                raise
            self.progress.note(f"{err.format_message()}; still trying")
            return None, since

    def _final(self, job: dict) -> dict:
        """The ended job with its output, fetched once (polls leave the output out).

        A processed job whose output was shown live is not fetched again: the run prints its
        output only when it was not seen, or when the job failed.
        """
        if self._live_thread is not None:
            self._live_thread.join(LIVE_JOIN)
        if job["status"] == "processed" and self.showed_live:
            return {**job, "output": None}
        try:
            return self.client.get_job(self.project, self.job_uuid, output=True)
        except Unreachable:
            return {**job, "output": None}

    def _poll(self, limit: float | None) -> dict:
        delays = self.schedule()
        last = outage = None
        while True:
            asked = self.progress.elapsed()
            wait = 0.0
            if self.long_poll and limit is not None and outage is None:
                wait = min(LONG_POLL, limit - asked)
            job, outage = self._fetch(outage, last, wait)
            if job is None:
                self.progress.wait(delays.next_delay())
                continue
            if limit is None:
                limit = wait_limit(job.get("timeout"))
            changed = job["status"] != last
            if changed:
                last = job["status"]
                self.progress.status(last, _detail(job))
                delays.reset()
            if last in TERMINAL_STATUSES:
                self.progress.done()
                return self._final(job)
            if self.progress.elapsed() >= limit:
                self.progress.done()
                raise GaveUp(
                    f"gave up waiting after {elapsed(self.progress.elapsed())}: job "
                    f"{self.job_uuid} is still {status_word(last)} on the server. Follow it "
                    f"with `bencher job view {self.job_uuid}` or stop it with "
                    f"`bencher job cancel {self.job_uuid}`"
                )
            # With long polls the next poll is held by the server: ask again at once after a
            # change or a poll that ran its course. One answered at once without a change (an
            # old server) waits its turn on the backoff schedule.
            held = changed or self.progress.elapsed() - asked >= wait / 2 > 0
            if not (self.long_poll and held):
                self.progress.wait(delays.next_delay())
