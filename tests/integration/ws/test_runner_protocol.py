"""The runner protocol against a served app: long-poll claim and the job WebSocket."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import redis
import requests
import websocket
from sqlalchemy import select

from app.extensions import db
from app.models import Job, Report, Runner
from runner.api import MessageRefused, RunnerApi
from runner.daemon import JobOutcome
from runner.daemon import Runner as RunnerDaemon
from runner.output import IterationOutput, JobOutput
from tests.support.database import TEST_REDIS_URL
from tests.support.processes import api_process, server_env, wait_until
from tests.support.runner_api import (
    claim,
    connect,
    create_job,
    create_runner,
    iteration,
    send,
    setup_project,
)
from tests.support.server import auth

BMF = json.dumps({"b": {"latency": {"value": 5.0}}})


@pytest.fixture
def settings_overrides():
    return {"claim_recheck": 30, "max_message_bytes": 256 * 1024, "max_output_bytes": 64 * 1024}


@pytest.fixture
def runner(client, factory):
    setup_project(client, factory.admin_token)
    return "r1", create_runner(client, factory.admin_token, "r1")


def _close_code(ws: websocket.WebSocket) -> int:
    """Read until the server's close frame; return its status code."""
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE, (opcode, data)
    return int.from_bytes(data[:2], "big")


def _job(uuid: str) -> Job:
    db.session.expire_all()
    return db.session.query(Job).filter_by(uuid=uuid).one()


def test_full_lifecycle_to_completed_enqueues_processing(live_server, client, factory, runner):
    slug, token = runner
    broker = redis.Redis.from_url(TEST_REDIS_URL)
    broker.delete("celery")
    job_uuid = create_job(client, factory.admin_token, iter=1, env={"X": "1"})
    claimed = claim(live_server.url, slug, token)
    assert claimed.status_code == 200
    assert claimed.json()["uuid"] == job_uuid
    assert claimed.json()["config"]["env"] == {"X": "1"}
    assert claimed.json()["digest"].startswith("sha256:")
    assert _job(job_uuid).status == "claimed"
    ws = connect(live_server.url, slug, token, job_uuid)
    assert send(ws, "running")["event"] == "ack"
    assert _job(job_uuid).status == "running"
    assert send(ws, "heartbeat") == {
        "event": "ack",
        "for": "heartbeat",
        "status": "running",
        "log_seq": 0,
    }
    done = send(ws, "completed", results=[iteration(BMF)])
    assert done == {"event": "ack", "for": "completed", "status": "completed"}
    # a resend after a reconnect is acknowledged and changes nothing
    assert send(ws, "completed", results=[iteration(BMF)])["event"] == "ack"
    late = send(ws, "failed", results=[], error="late")
    assert late["event"] == "error" and late["status"] == "completed"
    ws.close()
    job = _job(job_uuid)
    assert job.status == "completed" and job.output_key
    queued = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
    assert [m["headers"]["task"] for m in queued] == ["process_results"]
    assert queued[0]["headers"]["argsrepr"] == f"[{job.id}]"
    output = client.get(f"/v0/projects/demo/jobs/{job_uuid}?output=true").json["output"]
    assert output == [iteration(BMF)]


def test_claim_returns_204_when_nothing_is_pending(live_server, runner):
    # That the claim waits for a job rather than answering at once: the next test.
    assert claim(live_server.url, *runner, poll_timeout=1).status_code == 204


def _last_seen(slug: str) -> datetime | None:
    db.session.expire_all()
    return db.session.scalar(select(Runner.last_seen).where(Runner.slug == slug))


def test_claim_wakes_when_a_job_is_created(live_server, client, factory, runner):
    """Only the Redis publish can wake the claim within the bound: the re-check interval is
    30 s here (jittered, so 15 s at the earliest) and the poll lasts 60 s."""
    bound = 10
    before = _last_seen("r1")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(claim, live_server.url, *runner, 60)
        # The claim's first, empty attempt commits the runner's last_seen; then it waits.
        wait_until(lambda: _last_seen("r1") != before, bound, "the claim's first attempt")
        job_uuid = create_job(live_server.url, factory.admin_token)
        try:
            response = waiting.result(timeout=bound)
        except TimeoutError:
            pytest.fail(f"the claim was not woken within {bound} s of the job's creation")
    assert response.status_code == 200 and response.json()["uuid"] == job_uuid


def test_two_runners_race_for_one_job(live_server, client, factory, runner):
    other = create_runner(client, factory.admin_token, "r2")
    create_job(client, factory.admin_token)
    barrier = threading.Barrier(2)

    def race(slug, token):
        barrier.wait()
        return claim(live_server.url, slug, token, poll_timeout=1).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(lambda r: race(*r), [runner, ("r2", other)]))
    assert codes == [200, 204]


def _clone_jobs(job_uuid: str, count: int) -> set[str]:
    """``count`` more pending jobs like ``job_uuid``, inserted in bulk (creating them through
    the API would dominate the test's time); returns every pending job's uuid."""
    template = _job(job_uuid)
    report = template.report
    for _ in range(count):
        clone = Report(
            project_id=report.project_id,
            branch_id=report.branch_id,
            head_id=report.head_id,
            version_id=report.version_id,
            testbed_id=report.testbed_id,
            adapter=report.adapter,
            settings=report.settings,
            start_time=report.start_time,
            end_time=report.end_time,
        )
        db.session.add(clone)
        db.session.add(
            Job(
                report=clone,
                **{
                    c: getattr(template, c)
                    for c in (
                        "organization_id",
                        "spec_id",
                        "image",
                        "registry_host",
                        "repository",
                        "digest",
                        "config",
                        "priority",
                        "timeout",
                    )
                },  # fmt: skip
                concurrency=1000,
            )
        )
    db.session.execute(db.text("UPDATE job SET concurrency = 1000"))
    db.session.commit()
    return set(db.session.scalars(db.select(Job.uuid).where(Job.status == "pending")))


def test_fifty_runners_claim_five_hundred_jobs_once_each(live_server, client, factory, runner):
    tokens = [runner] + [
        (f"x{i}", create_runner(client, factory.admin_token, f"x{i}")) for i in range(49)
    ]
    jobs = _clone_jobs(create_job(client, factory.admin_token), 499)
    assert len(jobs) == 500
    deadline = time.monotonic() + 240

    def drain(slug_token):
        got = []
        while time.monotonic() < deadline:
            response = claim(live_server.url, *slug_token, poll_timeout=1)
            if response.status_code == 204:
                return got
            got.append(response.json()["uuid"])
        return got

    with ThreadPoolExecutor(50) as pool:
        claimed = [uuid for got in pool.map(drain, tokens) for uuid in got]
    assert len(claimed) == len(set(claimed)) == 500
    assert set(claimed) == jobs


def test_concurrency_limit_of_the_plan_is_honoured(live_server, client, factory, runner):
    db.session.execute(db.text("UPDATE organization SET plan = 'unclaimed'"))
    db.session.commit()
    create_job(client, factory.admin_token)
    create_job(client, factory.admin_token)
    assert claim(live_server.url, *runner).status_code == 200
    assert claim(live_server.url, *runner).status_code == 204  # unclaimed: one at a time


@pytest.mark.parametrize("case", ["no_token", "bad_token", "wrong_runner", "unknown_job"])
def test_channel_refuses_before_upgrade(live_server, client, factory, runner, case):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    other_token = create_runner(client, factory.admin_token, "r2")
    url = live_server.url.replace("http://", "ws://")
    headers, path = [f"Authorization: Bearer {token}"], f"/v0/runners/{slug}/jobs/{job_uuid}"
    if case == "no_token":
        headers = []
    elif case == "bad_token":
        headers = ["Authorization: Bearer bencher_runner_nope"]
    elif case == "wrong_runner":
        headers, path = [f"Authorization: Bearer {other_token}"], f"/v0/runners/r2/jobs/{job_uuid}"
    else:
        path = f"/v0/runners/{slug}/jobs/00000000-0000-0000-0000-000000000000"
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(url + path, header=headers, timeout=5)
    assert err.value.status_code == (401 if case in ("no_token", "bad_token") else 404)


def test_claim_refuses_bad_tokens_and_archived_runners(live_server, client, factory, runner):
    slug, token = runner
    assert claim(live_server.url, slug, "bencher_runner_nope").status_code == 401
    other = create_runner(client, factory.admin_token, "r2")
    assert claim(live_server.url, slug, other).status_code == 401
    db.session.execute(db.text("UPDATE runner SET archived = true WHERE slug = 'r1'"))
    db.session.commit()
    response = claim(live_server.url, slug, token)
    assert response.status_code == 401 and "archived" in response.json()["message"]


def test_malformed_and_invalid_messages(live_server, client, factory, runner):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    ws = connect(live_server.url, slug, token, job_uuid)
    invalid = send(ws, "exploded")
    assert invalid["event"] == "error" and "event" in invalid["message"]
    wrong_shape = send(ws, "completed", results="nope")
    assert wrong_shape["event"] == "error"
    assert _job(job_uuid).status == "claimed"
    ws.send("{not json")
    assert _close_code(ws) == 1007
    assert _job(job_uuid).status == "claimed"


def test_oversized_frame_closes_the_socket_and_loses_nothing(live_server, client, factory, runner):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    ws = connect(live_server.url, slug, token, job_uuid)
    send(ws, "running")
    ws.send(json.dumps({"event": "completed", "results": [iteration("x" * 400_000)]}))
    assert _close_code(ws) == 1009
    assert _job(job_uuid).status == "running"
    # output over the stored-output cap but under the frame cap: kept, head and tail
    ws = connect(live_server.url, slug, token, job_uuid)
    reply = send(ws, "completed", results=[iteration("h" * 50_000 + "t" * 50_000)])
    assert reply["status"] == "completed"
    stored = client.get(f"/v0/projects/demo/jobs/{job_uuid}?output=true").json["output"]
    stdout = stored[0]["stdout"]
    assert stdout.startswith("hhh") and stdout.endswith("ttt")
    assert "bytes dropped here]" in stdout
    assert len(json.dumps(stored)) <= 64 * 1024


def test_claim_announces_the_output_limits(live_server, client, factory, runner):
    slug, token = runner
    create_job(client, factory.admin_token)
    limits = claim(live_server.url, slug, token).json()["limits"]
    assert limits == {"max_output_bytes": 64 * 1024, "max_message_bytes": 256 * 1024}


def test_a_canceled_job_keeps_the_output_it_produced(live_server, client, factory, runner):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    ws = connect(live_server.url, slug, token, job_uuid)
    send(ws, "running")
    response = client.post(
        f"/v0/projects/demo/jobs/{job_uuid}/cancel", headers=auth(factory.admin_token)
    )
    assert response.status_code == 200
    ws.send(json.dumps({"event": "canceled", "results": [iteration("so far", exit_code=137)]}))
    replies = [json.loads(ws.recv()) for _ in range(2)]  # the cancel push, then the ack
    assert {"event": "ack", "for": "canceled", "status": "canceled"} in replies
    stored = client.get(f"/v0/projects/demo/jobs/{job_uuid}?output=true").json["output"]
    assert stored[0]["stdout"] == "so far"


def test_heartbeat_silence_fails_the_job(live_server, client, factory, runner, app):
    app.config["BENCHER"] = dataclasses.replace(app.config["BENCHER"], heartbeat_timeout=1)
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    ws = connect(live_server.url, slug, token, job_uuid)
    send(ws, "running")
    assert _close_code(ws) == 1008
    job = _job(job_uuid)
    assert job.status == "failed" and "heartbeat" in job.error


def test_user_cancel_is_pushed_to_the_socket(live_server, client, factory, runner):
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    ws = connect(live_server.url, slug, token, job_uuid)
    send(ws, "running")
    client.post(f"/v0/projects/demo/jobs/{job_uuid}/cancel", headers=auth(factory.admin_token))
    ws.settimeout(5)
    assert json.loads(ws.recv()) == {"event": "cancel", "reason": "canceled by user"}
    assert send(ws, "canceled") == {"event": "ack", "for": "canceled", "status": "canceled"}
    assert _job(job_uuid).status == "canceled"


def test_cancel_reaches_a_socket_held_by_another_api_process(
    live_server, app, client, factory, runner, tmp_path
):
    """The runner's socket is on a gunicorn process; the cancel arrives at this one."""
    slug, token = runner
    settings = app.config["BENCHER"]
    env = server_env(settings.database_url, settings.data_dir)
    job_uuid = create_job(client, factory.admin_token)
    with api_process(env, tmp_path / "api.log") as other_api:
        claim(other_api, slug, token)
        ws = connect(other_api, slug, token, job_uuid)
        send(ws, "running")
        canceled = requests.post(
            f"{live_server.url}/v0/projects/demo/jobs/{job_uuid}/cancel",
            headers=auth(factory.admin_token),
            timeout=10,
        )
        assert canceled.status_code == 200
        ws.settimeout(5)
        assert json.loads(ws.recv()) == {"event": "cancel", "reason": "canceled by user"}
        assert send(ws, "canceled")["status"] == "canceled"
        ws.close()


def test_a_refused_report_fails_the_job_at_once(live_server, client, factory, runner, tmp_path):
    """A runner that sends more than the server takes (1009) is told so at once, and the job
    is failed with the reason instead of the report being resent for minutes."""
    slug, token = runner
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, slug, token)
    daemon = RunnerDaemon(RunnerApi(live_server.url, slug, token), None, None, tmp_path)
    channel = daemon.api.channel(job_uuid, lambda reason: None)
    assert channel.deliver({"event": "running"})["status"] == "running"
    with pytest.raises(MessageRefused, match="1009"):
        channel.deliver({"event": "completed", "results": [iteration("x" * 400_000)]})
    output = JobOutput(tmp_path / "streams")
    stdout, stderr = output.streams(0)
    stdout.write(b"x" * 400_000)
    stdout.close()
    stderr.close()
    output.iterations.append(IterationOutput(0, stdout, stderr))
    # a limit above the server's: the runner believes it fits, the server refuses it
    reply = daemon._report(channel, JobOutcome("completed"), output, 10 * 2**20)
    assert reply["status"] == "failed"
    assert "the server refused the job's completed report" in _job(job_uuid).error
