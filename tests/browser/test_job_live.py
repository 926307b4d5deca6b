"""The job page tails a running job's log live, then shows the job's stored output."""

from __future__ import annotations

import pytest

from tests.support.runner_api import (
    create_job,
    create_runner,
    iteration,
    send,
    send_log,
    setup_project,
    start_running_job,
)


@pytest.fixture
def running_job(live_server, client, factory):
    """A claimed, running job and the runner's socket to it."""
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    uuid = create_job(client, factory.admin_token)
    ws = start_running_job(live_server.url, uuid, "r1", token)
    yield uuid, ws
    ws.close()


def test_the_job_page_tails_the_log_while_the_job_runs(live_server, page, running_job, screenshot):
    uuid, ws = running_job
    send_log(ws, 1, "stored before the visit\n")
    page.goto(f"{live_server.url}/console/projects/demo/jobs/{uuid}")
    log = page.locator("pre#job-log")
    log.locator("text=stored before the visit").wait_for()  # what was stored comes first

    send_log(ws, 2, "warming up\n")
    log.locator("text=warming up").wait_for()
    send_log(ws, 3, "fib: slow input\n", stream="stderr")
    log.locator("span.log-stderr", has_text="fib: slow input").wait_for()
    # Each batch once and in order, although the page opened its stream after batch 1.
    assert log.inner_text() == "stored before the visit\nwarming up\nfib: slow input\n"
    assert "running" in page.inner_text("h1")
    screenshot("job-live")

    final = iteration('{"fib": {"latency": {"value": 1.0}}}', stderr="done")
    assert send(ws, "completed", results=[final])["status"] == "completed"
    page.wait_for_function("!document.getElementById('job-live')")  # reloaded, not live
    assert "completed" in page.inner_text("h1")
    assert '"fib"' in page.inner_text("pre#job-log") and "done" in page.inner_text("pre#job-log")


def test_the_page_of_an_ended_job_does_not_follow(live_server, page, running_job):
    uuid, ws = running_job
    assert send(ws, "failed", results=[iteration("", 1, "boom")], error="exit 1")["status"]
    page.goto(f"{live_server.url}/console/projects/demo/jobs/{uuid}")
    assert page.locator("#job-live").count() == 0
    assert "boom" in page.inner_text("pre#job-log")
