"""Live job logs: runner batches on the socket, stored once each, read and followed over HTTP."""

from __future__ import annotations

import json
import queue
import threading

import pytest
import requests

from tests.support.processes import api_process, server_env
from tests.support.runner_api import (
    IMAGE,
    claim,
    connect,
    create_job,
    create_runner,
    iteration,
    send,
    send_log,
    setup_project,
    start_running_job,
)
from tests.support.server import auth, run_body


@pytest.fixture
def settings_overrides():
    return {"max_log_bytes": 1000}


@pytest.fixture
def runner(client, factory):
    setup_project(client, factory.admin_token)
    return "r1", create_runner(client, factory.admin_token, "r1")


def _running_job(url: str, client, factory, runner) -> tuple[str, object]:
    job_uuid = create_job(client, factory.admin_token)
    return job_uuid, start_running_job(url, job_uuid, *runner)


def _stored(client, job_uuid: str, after: int = 0) -> dict:
    response = client.get(f"/v0/projects/demo/jobs/{job_uuid}/logs?after={after}")
    assert response.status_code == 200, response.json
    return response.json


def _follow(url: str, job_uuid: str, events: queue.Queue, after: int = 0) -> None:
    """Read the SSE stream into ``events`` as ``(event, data)``; ``("closed", None)`` at the end."""
    with requests.get(
        f"{url}/v0/projects/demo/jobs/{job_uuid}/logs",
        params={"follow": "true", "after": after},
        stream=True,
        timeout=30,
    ) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        kind = None
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                events.put((kind, json.loads(line[len("data: ") :])))
    events.put(("closed", None))


def _next(events: queue.Queue) -> tuple[str, dict | None]:
    return events.get(timeout=20)


def test_batches_are_stored_once_and_confirmed_by_the_heartbeat(
    live_server, client, factory, runner
):
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    send_log(ws, 1, "one\n")
    send_log(ws, 2, "two\n", "stderr")
    send_log(ws, 2, "two\n", "stderr")  # a resend: ignored
    assert send(ws, "heartbeat")["log_seq"] == 2
    log = _stored(client, job_uuid)
    assert [(c["seq"], c["stream"], c["text"]) for c in log["chunks"]] == [
        (1, "stdout", "one\n"),
        (2, "stderr", "two\n"),
    ]
    assert log["status"] == "running" and log["log_seq"] == 2 and log["dropped"] == 0
    assert [c["seq"] for c in _stored(client, job_uuid, after=1)["chunks"]] == [2]


def test_a_reconnect_resumes_without_duplicates_or_gaps(live_server, client, factory, runner):
    slug, token = runner
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    for seq in (1, 2, 3):
        send_log(ws, seq, f"line {seq}\n")
    confirmed = send(ws, "heartbeat")["log_seq"]
    ws.close()  # the runner lost its socket mid-stream
    ws = connect(live_server.url, slug, token, job_uuid)
    for seq in range(confirmed + 1 - 2, 6):  # resends two confirmed batches too
        send_log(ws, seq, f"line {seq}\n")
    assert send(ws, "heartbeat")["log_seq"] == 5
    texts = [c["text"] for c in _stored(client, job_uuid)["chunks"]]
    assert texts == [f"line {seq}\n" for seq in range(1, 6)]


def test_a_flood_keeps_head_and_tail_and_says_what_was_dropped(
    live_server, client, factory, runner
):
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    for seq in range(1, 21):
        send_log(ws, seq, f"{seq:03d}" + "x" * 97)  # 100 bytes each; the limit is 1000
    assert send(ws, "heartbeat")["log_seq"] == 20
    log = _stored(client, job_uuid)
    texts = [c["text"][:3] for c in log["chunks"] if c["stream"] != "bencher"]
    assert texts[:5] == ["001", "002", "003", "004", "005"]  # the head: half the limit
    assert texts[-1] == "020"
    assert log["dropped"] == (20 - len(texts)) * 100 > 0
    markers = [c for c in log["chunks"] if c["stream"] == "bencher"]
    assert len(markers) == 1 and f"{log['dropped']} bytes dropped here" in markers[0]["text"]
    kept = sum(len(c["text"]) for c in log["chunks"] if c["stream"] != "bencher")
    assert kept <= 1000


def test_follow_streams_until_the_job_ends(live_server, client, factory, runner):
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    send_log(ws, 1, "before\n")
    events: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_follow, args=(live_server.url, job_uuid, events))
    reader.start()
    assert _next(events) == ("log", {"seq": 1, "stream": "stdout", "text": "before\n"})
    send_log(ws, 2, "live\n")
    assert _next(events) == ("log", {"seq": 2, "stream": "stdout", "text": "live\n"})
    send(ws, "completed", results=[iteration("before\nlive\n")])
    assert _next(events) == ("end", {"status": "completed", "log_seq": 2, "timeout": False})
    assert _next(events) == ("closed", None)
    reader.join(timeout=10)


def test_follow_on_a_finished_job_returns_the_log_and_ends(live_server, client, factory, runner):
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    send_log(ws, 1, "all there was\n")
    send(ws, "failed", results=[], error="boom")
    events: queue.Queue = queue.Queue()
    _follow(live_server.url, job_uuid, events)
    assert [events.get_nowait() for _ in range(3)] == [
        ("log", {"seq": 1, "stream": "stdout", "text": "all there was\n"}),
        ("end", {"status": "failed", "log_seq": 1, "timeout": False}),
        ("closed", None),
    ]


def test_follow_through_another_api_process(live_server, app, client, factory, runner, tmp_path):
    """The runner's socket is on one API process, the follower on another."""
    settings = app.config["BENCHER"]
    env = server_env(settings.database_url, settings.data_dir)
    job_uuid, ws = _running_job(live_server.url, client, factory, runner)
    with api_process(env, tmp_path / "api.log") as other_api:
        events: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_follow, args=(other_api, job_uuid, events))
        reader.start()
        send_log(ws, 1, "hello from elsewhere\n")
        assert _next(events) == (
            "log",
            {"seq": 1, "stream": "stdout", "text": "hello from elsewhere\n"},
        )
        send(ws, "canceled")
        assert _next(events)[1]["status"] == "canceled"
        reader.join(timeout=10)


def test_status_long_poll_returns_on_the_change(live_server, client, factory, runner):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    answers: queue.Queue = queue.Queue()

    def poll() -> None:
        response = requests.get(
            f"{live_server.url}/v0/projects/demo/jobs/{job_uuid}",
            params={"wait": 30, "status": "pending"},
            timeout=60,
        )
        answers.put(response.json())

    poller = threading.Thread(target=poll)
    poller.start()
    claim(live_server.url, slug, token)
    assert answers.get(timeout=20)["status"] == "claimed"
    poller.join(timeout=10)
    # a status that already differs answers at once; the output only when asked
    body = client.get(f"/v0/projects/demo/jobs/{job_uuid}?wait=30&status=pending").json
    assert body["status"] == "claimed" and "output" not in body
    too_long = client.get(f"/v0/projects/demo/jobs/{job_uuid}?wait=61&status=claimed")
    assert too_long.status_code == 400


def test_unknown_and_other_organisations_jobs_are_404(client, factory, runner):
    client.post(
        "/v0/projects",
        json={"name": "secret", "visibility": "private"},
        headers=auth(factory.admin_token),
    )
    body = run_body("secret", job={"image": IMAGE})
    private_job = client.post("/v0/run", json=body, headers=auth(factory.admin_token)).json["job"]
    assert client.get("/v0/projects/demo/jobs/ffffffff/logs").status_code == 404
    _, outsider = factory.user("outsider@example.com", "elsewhere")
    for follow in ("false", "true"):
        path = f"/v0/projects/secret/jobs/{private_job}/logs?follow={follow}"
        assert client.get(path, headers=auth(outsider)).status_code == 404
    mine = client.get(
        f"/v0/projects/secret/jobs/{private_job}/logs", headers=auth(factory.admin_token)
    )
    assert mine.status_code == 200 and mine.json["chunks"] == []
