"""``bencher run --image``: the CLI follows a job that a simulated runner drives through the
real runner protocol (long-poll claim + job WebSocket). The Celery worker's part, processing
the stored output, is played by calling ``process_job`` from the same background thread."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.services.processing import process_job
from cli import exit_codes
from cli.client import Client
from cli.progress import Progress
from tests.support.runner_api import IMAGE, claim, connect, create_runner, iteration, send
from tests.support.server import auth

BMF = json.dumps({"fib_10": {"latency": {"value": 1500.0}}})
# Only turns a hang into a failure: the CLI shows a new status within a poll (0.25 s after a
# change), and the simulated runner's waits end before ``_join`` gives up.
SHOWN_BOUND = 20


@pytest.fixture
def runner(client, factory, project) -> tuple[str, str]:
    return "r1", create_runner(client, factory.admin_token, "r1")


class ShownStatuses:
    """The job statuses the CLI has shown, as events: the simulated runner moves the job on
    only once the CLI has shown its current status, so the CLI sees every state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: defaultdict[str, threading.Event] = defaultdict(threading.Event)

    def _event(self, status: str) -> threading.Event:
        with self._lock:
            return self._events[status]

    def show(self, status: str) -> None:
        self._event(status).set()

    def wait(self, status: str) -> None:
        if not self._event(status).wait(SHOWN_BOUND):
            raise AssertionError(f"the CLI did not show the job {status} within {SHOWN_BOUND} s")


@pytest.fixture
def shown(monkeypatch) -> ShownStatuses:
    """Records every status change the CLI reports to its progress (printed unless quiet)."""
    statuses = ShownStatuses()
    original = Progress.status

    def status(progress: Progress, status: str, detail: str = "") -> None:
        original(progress, status, detail)
        statuses.show(status)

    monkeypatch.setattr(Progress, "status", status)
    return statuses


class SimulatedRunner(threading.Thread):
    """Claims the next job, reports running, then ``finish(ws)``; afterwards the worker step.
    Each step waits until the CLI has shown the job's status before it."""

    def __init__(self, app, url, runner, shown: ShownStatuses, finish: Callable, process: bool):
        super().__init__(daemon=True)
        self.app, self.url, (self.slug, self.token) = app, url, runner
        self.shown, self.finish, self.process = shown, finish, process
        self.error: BaseException | None = None
        self.job_uuid: str | None = None

    def run(self) -> None:
        try:
            self.shown.wait("pending")
            claimed = claim(self.url, self.slug, self.token, poll_timeout=15)
            assert claimed.status_code == 200, claimed.text
            self.job_uuid = claimed.json()["uuid"]
            self.shown.wait("claimed")
            ws = connect(self.url, self.slug, self.token, self.job_uuid)
            try:
                assert send(ws, "running")["event"] == "ack"
                self.shown.wait("running")
                reply = self.finish(ws)
                assert reply["event"] == "ack", reply
            finally:
                ws.close()
            if self.process:
                with self.app.app_context():
                    job_id = db.session.scalar(select(Job.id).where(Job.uuid == self.job_uuid))
                    process_job(job_id)
                    db.session.remove()
        except BaseException as err:  # surfaced by the test after join()
            self.error = err


def _drive(app, live_server, runner, shown, finish, process=True) -> SimulatedRunner:
    thread = SimulatedRunner(app, live_server.url, runner, shown, finish, process)
    thread.start()
    return thread


def _join(thread: SimulatedRunner) -> None:
    thread.join(timeout=SHOWN_BOUND + 30)
    assert not thread.is_alive(), "the simulated runner did not finish"
    if thread.error:
        raise thread.error


def _positions(text: str, *needles: str) -> list[int]:
    return [text.index(needle) for needle in needles]


def test_remote_run_polls_to_processed_and_prints_results(
    app, live_server, bencher, runner, client, shown
):
    def complete(ws):
        return send(ws, "completed", results=[iteration(BMF, stderr="warming up\n")])

    thread = _drive(app, live_server, runner, shown, complete)
    result = bencher("run", "--adapter", "json", "--image", IMAGE, "--cmd", "bench --all")
    _join(thread)
    assert result.exit_code == 0, result.output
    seen = _positions(
        result.stderr, "job pending", "job claimed by runner r1", "job running", "job processed"
    )
    assert seen == sorted(seen)
    assert "--- stdout ---\n" + BMF in result.stderr
    assert "--- stderr ---\nwarming up" in result.stderr
    lines = result.stdout.splitlines()
    assert "Latency (µs)" in lines and any(ln.split()[:2] == ["fib_10", "1.5"] for ln in lines)
    assert result.stdout.splitlines()[-1] == "1 benchmark, 1 measure, 1 iteration: no alerts"
    job = client.get(f"/v0/projects/demo/jobs/{thread.job_uuid}").json
    assert job["config"]["cmd"] == ["bench", "--all"] and job["status"] == "processed"


def test_remote_json_format_is_the_report_only(app, live_server, bencher, runner, shown):
    def complete(ws):
        return send(ws, "completed", results=[iteration(BMF)])

    thread = _drive(app, live_server, runner, shown, complete)
    result = bencher("run", "--format", "json", "--adapter", "json", "--image", IMAGE)
    _join(thread)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "processed" and report["job_status"] == "processed"
    assert report["results"][0]["benchmark"] == "fib_10"
    assert "job processed" in result.stderr  # progress goes to stderr only


def test_runner_failure_fails_the_run_with_reason_and_output(
    app, live_server, bencher, runner, shown
):
    def fail(ws):
        partial = iteration("", exit_code=139, stderr="Segmentation fault\n")
        return send(ws, "failed", results=[partial], error="the benchmark crashed")

    thread = _drive(app, live_server, runner, shown, fail, process=False)
    result = bencher("run", "--image", IMAGE)
    _join(thread)
    assert result.exit_code == exit_codes.FAILED
    assert f"Error: job {thread.job_uuid} failed: the benchmark crashed" in result.stderr
    assert "=== iteration 1: exit code 139 ===" in result.stderr
    assert "Segmentation fault" in result.stderr
    assert result.stdout == ""


def test_processing_failure_is_reported(app, live_server, bencher, runner, shown):
    def complete_badly(ws):
        return send(ws, "completed", results=[iteration(BMF, exit_code=2, stderr="oops\n")])

    thread = _drive(app, live_server, runner, shown, complete_badly)
    result = bencher("run", "--adapter", "json", "--image", IMAGE)
    _join(thread)
    assert result.exit_code == exit_codes.FAILED
    assert "failed: processing failed: iteration 1 exited with code 2" in result.stderr


def test_ctrl_c_cancels_the_job(monkeypatch, bencher, client, factory):
    held = Client.get_job

    def interrupt(self, project, job, **poll):
        if poll.get("wait"):  # Ctrl-C arrives while a long poll is held
            raise KeyboardInterrupt
        return held(self, project, job, **poll)

    monkeypatch.setattr(Client, "get_job", interrupt)
    result = bencher("run", "--image", IMAGE)
    assert result.exit_code == exit_codes.INTERRUPTED, result.output  # as a local run's Ctrl-C
    assert "asking the server to cancel job" in result.stderr
    assert "canceled: canceled by user" in result.stderr
    jobs = client.get("/v0/projects/demo/jobs", headers=auth(factory.admin_token)).json
    assert [j["status"] for j in jobs] == ["canceled"]


def test_detach_returns_at_once_with_the_job_uuid(bencher, client):
    result = bencher("run", "--detach", "--image", IMAGE, "--env", "A=1", "--iter", "2")
    assert result.exit_code == 0, result.output
    job = client.get(f"/v0/projects/demo/jobs/{result.stdout.strip()}").json
    assert job["status"] == "pending"
    assert job["config"]["env"] == ["A"] and job["config"]["iter"] == 2  # names only
    stored = db.session.scalar(select(Job.config).where(Job.uuid == job["uuid"]))
    assert stored["env"] == {"A": "1"}  # the runner gets the value with its claim


def test_max_wait_gives_up_without_canceling(bencher, client):
    result = bencher("run", "--max-wait", "1", "--image", IMAGE)
    assert result.exit_code == exit_codes.FAILED
    assert "gave up waiting after" in result.stderr and "is still pending" in result.stderr
    assert [j["status"] for j in client.get("/v0/projects/demo/jobs").json] == ["pending"]
