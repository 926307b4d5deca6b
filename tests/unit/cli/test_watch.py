"""Following a job: status changes, the backoff reset, the wait bound and Ctrl-C."""

from __future__ import annotations

import io

import pytest

from cli import exit_codes
from cli.backoff import polling_schedule
from cli.client import Unreachable
from cli.progress import Progress, elapsed
from cli.watch import OUTAGE_LIMIT, GaveUp, Interrupted, JobWatcher


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 4))
        self.now += seconds


class FakeClient:
    """Answers get_job from a list of statuses (the last one repeats)."""

    def __init__(self, statuses, cancel_status="canceled", after_cancel=None):
        self.statuses = list(statuses)
        self.cancel_status = cancel_status
        self.after_cancel = after_cancel
        self.cancels = 0
        self.output_fetches = 0

    def get_job(self, project, job, output=False, **_poll):
        self.output_fetches += output
        # the watcher's final fetch (with output) reads the status it last saw
        popping = len(self.statuses) > 1 and not output
        status = self.statuses.pop(0) if popping else self.statuses[0]
        return {
            "uuid": job,
            "status": status,
            "timeout": 10,
            "runner": "r1",
            "spec": {"slug": "small"},
            "error": None,
            "cancel_reason": None,
        }

    def cancel_job(self, project, job):
        self.cancels += 1
        self.statuses = list(self.after_cancel or [self.cancel_status])
        return {"uuid": job, "status": self.cancel_status}


def _watch(client, clock, *, max_wait=None, stream=None, wait=None):
    progress = Progress(stream=stream or io.StringIO(), tty=False, sleep=clock.sleep, clock=clock)
    if wait is not None:
        progress.wait = wait
    watcher = JobWatcher(
        client,
        "demo",
        "j-1",
        progress,
        max_wait=max_wait,
        schedule=lambda: polling_schedule(random=lambda: 0.0),
    )
    return watcher, progress


def test_status_changes_are_shown_and_reset_the_backoff():
    clock, out = Clock(), io.StringIO()
    client = FakeClient(
        ["pending"] * 4 + ["claimed", "running", "running", "completed", "processed"]
    )
    watcher, _ = _watch(client, clock, stream=out)
    job = watcher.watch()
    assert job["status"] == "processed"
    # pending grows 0.25 -> 1.024, then every change restarts at 0.25; running grows once
    assert clock.sleeps == [0.25, 0.4, 0.64, 1.024, 0.25, 0.25, 0.4, 0.25]
    lines = out.getvalue().splitlines()
    assert [line.split("] ")[1] for line in lines] == [
        "job pending waiting for a runner with spec small",
        "job claimed by runner r1",
        "job running",
        "job processing",
        "job processed",
    ]
    assert lines[0].startswith("[  0.0s]") and lines[1].startswith("[  2.3s]")


def test_gives_up_after_the_timeout_plus_allowance(monkeypatch):
    monkeypatch.setattr("cli.watch.wait_limit", lambda timeout: timeout + 5.0)
    clock = Clock()
    watcher, _ = _watch(FakeClient(["running"]), clock)
    with pytest.raises(GaveUp) as raised:
        watcher.watch()
    assert 15.0 <= clock.now < 18.1
    assert raised.value.exit_code == exit_codes.FAILED
    assert "job j-1 is still running" in raised.value.format_message()
    assert "bencher job cancel j-1" in raised.value.format_message()


def test_max_wait_overrides_the_derived_bound():
    clock = Clock()
    watcher, _ = _watch(FakeClient(["pending"]), clock, max_wait=2.0)
    with pytest.raises(GaveUp, match="still pending"):
        watcher.watch()
    assert 2.0 <= clock.now < 5.1


def test_ctrl_c_cancels_the_job_and_waits_for_it():
    clock, out = Clock(), io.StringIO()
    calls = []

    def interrupt_once(seconds):
        calls.append(seconds)
        if len(calls) == 1:
            raise KeyboardInterrupt
        clock.sleep(seconds)

    client = FakeClient(["pending"])
    watcher, _ = _watch(client, clock, stream=out, wait=interrupt_once)
    job = watcher.watch()
    assert job["status"] == "canceled" and client.cancels == 1
    assert "asking the server to cancel job j-1" in out.getvalue()


def test_ctrl_c_on_a_job_already_processing_waits_for_its_result():
    clock, out = Clock(), io.StringIO()
    raised = []

    def interrupt_once(seconds):
        if not raised:
            raised.append(1)
            raise KeyboardInterrupt
        clock.sleep(seconds)

    client = FakeClient(
        ["completed"], cancel_status="completed", after_cancel=["completed", "processed"]
    )
    watcher, _ = _watch(client, clock, stream=out, wait=interrupt_once)
    assert watcher.watch()["status"] == "processed"
    assert "job is already processing; waiting for it to finish" in out.getvalue()


def test_second_ctrl_c_exits_at_once():
    clock = Clock()

    def always_interrupt(seconds):
        raise KeyboardInterrupt

    client = FakeClient(["running"], cancel_status="running", after_cancel=["running"])
    watcher, _ = _watch(client, clock, wait=always_interrupt)
    with pytest.raises(Interrupted) as raised:
        watcher.watch()
    assert raised.value.exit_code == exit_codes.INTERRUPTED == 130
    assert client.cancels == 1


def test_quiet_progress_prints_nothing_but_forced_notes():
    out = io.StringIO()
    progress = Progress(quiet=True, stream=out, tty=False)
    progress.status("running")
    progress.note("hidden")
    progress.note("shown", force=True)
    assert out.getvalue() == "shown\n"


def test_spinner_on_a_terminal_is_cleared_before_lines():
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, tty=True, sleep=clock.sleep, clock=clock)
    progress.status("running")
    progress.wait(0.25)
    progress.status("processed")
    text = out.getvalue()
    assert "\r| running" in text and "\r/ running" in text
    assert text.endswith("\r\x1b[K[  0.2s] job processed\n")
    assert clock.sleeps == [0.1, 0.1, 0.05]


@pytest.mark.parametrize(("seconds", "text"), [(4.25, "4.2s"), (187, "3m07s"), (3725, "1h02m")])
def test_elapsed(seconds, text):
    assert elapsed(seconds) == text


class FlakyClient(FakeClient):
    """Unreachable for the first ``outages`` polls (or forever with None)."""

    def __init__(self, statuses, outages):
        super().__init__(statuses)
        self.outages = outages

    def get_job(self, project, job, output=False, **_poll):
        if self.outages is None or self.outages > 0:
            if self.outages:
                self.outages -= 1
            raise Unreachable("cannot reach the Bencher server at http://x (timed out)")
        return super().get_job(project, job, output, **_poll)


def test_a_short_outage_while_following_is_ridden_out():
    clock, out = Clock(), io.StringIO()
    watcher, _ = _watch(FlakyClient(["processed"], outages=2), clock, stream=out)
    assert watcher.watch()["status"] == "processed"
    assert out.getvalue().count("(timed out); still trying") == 2


def test_a_long_outage_ends_the_wait():
    clock = Clock()
    watcher, _ = _watch(FlakyClient(["running"], outages=None), clock)
    with pytest.raises(Unreachable):
        watcher.watch()
    assert OUTAGE_LIMIT <= clock.now < OUTAGE_LIMIT + 3.1


@pytest.mark.parametrize(
    ("status", "shown_live", "fetches"),
    [("processed", True, 0), ("processed", False, 1), ("failed", True, 1)],
)
def test_the_output_is_fetched_only_when_it_will_be_printed(status, shown_live, fetches):
    client = FakeClient(["running", status])
    watcher, _ = _watch(client, Clock())
    watcher.showed_live = shown_live
    assert watcher.watch()["status"] == status
    assert client.output_fetches == fetches
