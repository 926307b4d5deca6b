"""The runner daemon against the real API, a real registry and real runc."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Job
from runner.api import RunnerApi
from runner.daemon import Runner
from runner.executors import get_executor
from runner.images import ImageStore
from tests.support.oci_image import busybox_image, push_image
from tests.support.processes import REPO, api_process, free_port, server_env, wait_until
from tests.support.runner_api import create_runner, setup_project
from tests.support.server import auth, run_body

pytestmark = pytest.mark.skipif(
    shutil.which("runc") is None or os.geteuid() != 0, reason="needs runc and root"
)
PRINT_BMF = 'echo "{\\"bench\\": {\\"latency\\": {\\"value\\": $V}}}"'
# Marks its start, then prints the BMF only once the test creates "go" in its output directory
# (it gives up, failing, after a minute).
GATED_BMF = (
    'touch "$BENCHER_OUTPUT_DIR/started"; i=0; '
    'while [ ! -e "$BENCHER_OUTPUT_DIR/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; '
    f'[ -e "$BENCHER_OUTPUT_DIR/go" ] && {PRINT_BMF}'
)
# Prints, then marks in its output directory that it did.
SLOW = 'echo started; touch "$BENCHER_OUTPUT_DIR/started"; sleep 60'


@pytest.fixture
def settings_overrides(registry):
    return {"registries": (registry.host,), "max_output_bytes": 256 * 1024}


@pytest.fixture
def runner_token(client, factory):
    setup_project(client, factory.admin_token)
    return create_runner(client, factory.admin_token, "r1")


def _daemon(url: str, token: str, tmp_path, **options) -> Runner:
    return Runner(
        RunnerApi(url, "r1", token),
        ImageStore(tmp_path / "cache", 2**30),
        get_executor("runc", state_root=tmp_path / "sandbox"),
        tmp_path / "jobs",
        poll_timeout=5,
        heartbeat_interval=0.5,
        **options,
    )


def _submit(client, factory, image: str, **job) -> str:
    response = client.post(
        "/v0/run",
        json=run_body("demo", job={"image": image, **job}),
        headers=auth(factory.admin_token),
    )
    assert response.status_code == 201, response.json
    return response.json["job"]


def _job(uuid: str) -> Job:
    db.session.expire_all()
    return db.session.query(Job).filter_by(uuid=uuid).one()


def _output_file(tmp_path, uuid: str, name: str) -> Path | None:
    """``name`` in the output directory of the job's first iteration, once it is there."""
    return next((tmp_path / "jobs" / uuid).glob(f"iteration-*/{name}"), None)


def _warnings(caplog, text: str) -> int:
    """How many warnings logged so far (from any thread) contain ``text``."""
    return sum(
        1 for r in list(caplog.records) if r.levelno >= logging.WARNING and text in r.getMessage()
    )


def test_bmf_image_completes_with_overrides_and_files(
    live_server, client, factory, registry, runner_token, tmp_path
):
    image = busybox_image(PRINT_BMF, env={"V": "1"})
    push_image(registry.host, "acme/bmf", "v1", image)
    script = (
        'echo "{\\"f\\": {\\"latency\\": {\\"value\\": 3}}}" > $BENCHER_OUTPUT_DIR/r.json;'
        ' echo "$V"'
    )
    uuid = _submit(client, factory, f"{registry.host}/acme/bmf:v1", env={"V": "42"}, iter=2)
    files = _submit(
        client, factory, f"{registry.host}/acme/bmf:v1",
        entrypoint=["/bin/sh", "-c"], cmd=[script], file_paths=["/bencher/output/r.json"],
    )  # fmt: skip
    daemon = _daemon(live_server.url, runner_token, tmp_path)
    assert daemon.serve(max_jobs=2) == 2
    job = client.get(f"/v0/projects/demo/jobs/{uuid}?output=true").json
    assert job["status"] == "completed", job["error"]
    assert [json.loads(i["stdout"]) for i in job["output"]] == [
        {"bench": {"latency": {"value": 42}}}
    ] * 2
    written = client.get(f"/v0/projects/demo/jobs/{files}?output=true").json
    assert written["status"] == "completed", written["error"]
    assert written["output"][0]["stdout"].strip() == "1"
    assert json.loads(written["output"][0]["output"]["/bencher/output/r.json"]) == {
        "f": {"latency": {"value": 3}}
    }


def test_failures_are_reported_with_their_reason(
    live_server, client, factory, registry, runner_token, tmp_path
):
    push_image(registry.host, "acme/fail", "v1", busybox_image("echo oops >&2; exit 3"))
    failing = _submit(client, factory, f"{registry.host}/acme/fail:v1")
    missing = _submit(client, factory, f"{registry.host}/acme/fail@sha256:{'0' * 64}")
    _daemon(live_server.url, runner_token, tmp_path).serve(max_jobs=2)
    job = client.get(f"/v0/projects/demo/jobs/{failing}?output=true").json
    assert job["status"] == "failed"
    assert "exited with code 3" in job["error"]
    assert job["output"][0]["stderr"].strip() == "oops"
    pulled = client.get(f"/v0/projects/demo/jobs/{missing}?output=true").json
    assert pulled["status"] == "failed" and "could not pull" in pulled["error"]


def test_cancel_mid_run_kills_the_container(
    live_server, client, factory, registry, runner_token, tmp_path
):
    push_image(registry.host, "acme/slow", "v1", busybox_image(SLOW))
    uuid = _submit(client, factory, f"{registry.host}/acme/slow:v1")
    daemon = _daemon(live_server.url, runner_token, tmp_path)
    thread = threading.Thread(target=daemon.serve, kwargs={"max_jobs": 1}, daemon=True)
    thread.start()
    wait_until(lambda: _output_file(tmp_path, uuid, "started"), 30, "job printed")
    canceled = client.post(
        f"/v0/projects/demo/jobs/{uuid}/cancel", headers=auth(factory.admin_token)
    )
    assert canceled.json["status"] == "canceled"
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert _job(uuid).status == "canceled"
    assert not list((tmp_path / "sandbox").glob("runc/*/state.json"))
    kept = client.get(f"/v0/projects/demo/jobs/{uuid}?output=true").json["output"]
    assert kept[0]["stdout"] == "started\n"  # what it printed before the cancel is kept


def test_output_flood_keeps_head_and_tail_within_the_limits(
    live_server, client, factory, registry, runner_token, tmp_path
):
    """3 MiB of NUL bytes on each stream, twice: the runner keeps 1 MiB on disk, the server
    announced 256 KiB; the job completes with each stream's start and end."""
    flood = "echo START; head -c 3145728 /dev/zero; echo END; head -c 3145728 /dev/zero >&2"
    push_image(registry.host, "acme/flood", "v1", busybox_image(flood))
    uuid = _submit(client, factory, f"{registry.host}/acme/flood:v1", iter=2)
    _daemon(live_server.url, runner_token, tmp_path, output_cap=2**20).serve(max_jobs=1)
    job = client.get(f"/v0/projects/demo/jobs/{uuid}?output=true").json
    assert job["status"] == "completed", job["error"]
    assert len(json.dumps(job["output"])) <= 256 * 1024
    for iteration in job["output"]:
        assert iteration["stdout"].startswith("START\n\0")
        assert iteration["stdout"].endswith("\0END\n")
        assert "bytes dropped here]" in iteration["stdout"]


def test_api_restart_mid_job_is_survived(
    app, client, factory, registry, runner_token, tmp_path, caplog
):
    """The API stops while the job runs, the job ends while the API is down, and its result
    reaches the restarted API."""
    caplog.set_level(logging.WARNING)
    push_image(registry.host, "acme/restart", "v1", busybox_image(GATED_BMF, env={"V": "7"}))
    uuid = _submit(client, factory, f"{registry.host}/acme/restart:v1")
    settings = app.config["BENCHER"]
    env = server_env(settings.database_url, settings.data_dir, BENCHER_REGISTRIES=registry.host)
    port = free_port()
    daemon = _daemon(f"http://127.0.0.1:{port}", runner_token, tmp_path)
    thread = threading.Thread(target=daemon.serve, kwargs={"max_jobs": 1}, daemon=True)
    with api_process(env, tmp_path / "api.log", port):
        thread.start()
        started = wait_until(lambda: _output_file(tmp_path, uuid, "started"), 60, "job start")
        assert _job(uuid).status == "running"
    retries = _warnings(caplog, "job channel:")
    (started.parent / "go").touch()
    wait_until(
        lambda: _warnings(caplog, "job channel:") > retries, 30, "a retry of the job's result"
    )
    assert _job(uuid).status == "running"  # the result has not reached the server yet
    with api_process(env, tmp_path / "api.log", port):
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert _job(uuid).status == "completed"


def test_runner_up_exits_cleanly_on_sigterm(
    live_server, client, factory, registry, runner_token, tmp_path
):
    push_image(registry.host, "acme/sleepy", "v1", busybox_image("sleep 60"))
    uuid = _submit(client, factory, f"{registry.host}/acme/sleepy:v1")
    log = tmp_path / "runner.log"
    env = {**os.environ, "BENCHER_RUNNER_TOKEN": runner_token}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "runner", "up", "--host", live_server.url,
             "--runner", "r1", "--cache-dir", str(tmp_path / "c"),
             "--work-dir", str(tmp_path / "w"), "--poll-timeout", "5"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: _job(uuid).status == "running", 30, "job running")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    assert _job(uuid).status == "canceled"
    assert f"job {uuid}: canceled" in log.read_text()


def test_runner_started_before_the_api_keeps_retrying(
    app, client, factory, registry, runner_token, tmp_path, caplog
):
    caplog.set_level(logging.WARNING)
    push_image(registry.host, "acme/early", "v1", busybox_image(PRINT_BMF, env={"V": "5"}))
    uuid = _submit(client, factory, f"{registry.host}/acme/early:v1")
    settings = app.config["BENCHER"]
    env = server_env(settings.database_url, settings.data_dir, BENCHER_REGISTRIES=registry.host)
    port = free_port()
    daemon = _daemon(f"http://127.0.0.1:{port}", runner_token, tmp_path)
    thread = threading.Thread(target=daemon.serve, kwargs={"max_jobs": 1}, daemon=True)
    thread.start()
    # nothing listens yet: the runner's claims fail, and it says it retries
    wait_until(lambda: _warnings(caplog, "cannot reach") >= 2, 30, "two failed claims")
    assert thread.is_alive()
    assert _job(uuid).status == "pending"
    with api_process(env, tmp_path / "api.log", port):
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert _job(uuid).status == "completed"


def test_bencher_run_shows_the_output_live(
    live_server, client, factory, registry, runner_token, tmp_path
):
    """The job prints a line, then waits until the test saw that line on the CLI's stderr:
    without live output it would never finish."""
    script = (
        'echo "first line"; touch "$BENCHER_OUTPUT_DIR/started"; i=0; '
        'while [ ! -e "$BENCHER_OUTPUT_DIR/go" ] && [ $i -lt 300 ]; do sleep 0.2; '
        "i=$((i + 1)); done; echo done-waiting"
    )
    push_image(registry.host, "acme/live", "v1", busybox_image(script))
    daemon = _daemon(live_server.url, runner_token, tmp_path)
    runner = threading.Thread(target=daemon.serve, kwargs={"max_jobs": 1}, daemon=True)
    runner.start()
    env = {**os.environ, "BENCHER_HOST": live_server.url, "BENCHER_API_TOKEN": factory.admin_token,
           "BENCHER_PROJECT": "demo"}  # fmt: skip
    cli = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--image", f"{registry.host}/acme/live:v1",
         "--max-wait", "120"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        for line in cli.stderr:
            lines.append(line)
            if line.strip() == "first line":
                started = wait_until(
                    lambda: next((tmp_path / "jobs").glob("*/iteration-0/started"), None),
                    30,
                    "the job's marker",
                )
                (started.parent / "go").touch()
            if "job processing" in line or "job failed" in line:
                break  # no Celery worker here: "processing" is as far as it gets
    finally:
        cli.kill()
        cli.wait(timeout=10)
    runner.join(timeout=30)
    text = "".join(lines)
    assert "first line" in text and "job processing" in text, text
    assert text.index("first line") < text.index("done-waiting") < text.index("job processing")
