"""``bencher job logs [--follow]`` against the live API, with a runner speaking the protocol."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.listener import listener_for
from app.models import Job
from cli import exit_codes
from tests.support.processes import wait_until
from tests.support.runner_api import (
    IMAGE,
    create_runner,
    iteration,
    send,
    send_log,
    start_running_job,
)


@pytest.fixture
def running(live_server, client, factory, bencher):
    """A job held by runner r1, its socket open and ``running``: ``(job uuid, socket)``."""
    token = create_runner(client, factory.admin_token, "r1")
    result = bencher("run", "--detach", "--image", IMAGE)
    job_uuid = result.stdout.strip()
    ws = start_running_job(live_server.url, job_uuid, "r1", token)
    yield job_uuid, ws
    ws.close()


def test_logs_prints_what_the_job_printed_so_far(running, bencher):
    job_uuid, ws = running
    send_log(ws, 1, "to stdout\n")
    send_log(ws, 2, "to stderr\n", "stderr")
    assert send(ws, "heartbeat")["log_seq"] == 2
    result = bencher("job", "logs", job_uuid[:8])
    assert result.exit_code == 0, result.output
    assert result.stdout == "to stdout\n" and result.stderr == "to stderr\n"


def test_follow_prints_until_the_job_ends(running, bencher, app):
    job_uuid, ws = running
    send_log(ws, 1, "one\n")
    send(ws, "heartbeat")
    job_id = db.session.scalar(select(Job.id).where(Job.uuid == job_uuid))
    listener = listener_for(app.config["BENCHER"].broker_url)

    def finish() -> None:
        # once the CLI follows (it read batch 1 already), the rest arrives live
        wait_until(lambda: listener.followers(job_id), 20, "the CLI following the job")
        send_log(ws, 2, "two\n")
        send(ws, "completed", results=[iteration("one\ntwo\n")])

    finisher = threading.Thread(target=finish)
    finisher.start()
    result = bencher("job", "logs", "--follow", job_uuid)
    finisher.join()
    assert result.exit_code == 0, result.output
    assert result.stdout == "one\ntwo\n"


def test_logs_of_an_unknown_job_is_an_api_error(bencher):
    result = bencher("job", "logs", "ffffffff")
    assert result.exit_code == exit_codes.API_ERROR
    assert "not found" in result.stderr
