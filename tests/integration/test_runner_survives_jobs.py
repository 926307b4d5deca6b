"""A real ``bencher runner up`` process fed hostile jobs: each fails with a clear reason, the
process stays up and the next job succeeds (against the real API, registry and runc)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from app.extensions import db
from app.models import Job
from oci.platform import host_platform
from runner.executors.userns import USERNS_BASE
from tests.support.oci_image import (
    busybox_image,
    malicious_layer,
    push_image,
    raw_config_image,
    sparse_layer,
)
from tests.support.processes import REPO
from tests.support.runner_api import create_runner, setup_project
from tests.support.server import auth, run_body
from tests.support.userns import searchable_dir  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(
    shutil.which("runc") is None or os.geteuid() != 0, reason="needs runc and root"
)
GOOD_BMF = 'echo "{\\"bench\\": {\\"latency\\": {\\"value\\": 1}}}"'
# Bound on the runner process's whole run: every job here takes a second or two.
RUNNER_BOUND = 240
MiB = 1024 * 1024
IMAGE_MAX_BYTES = 32 * MiB


@pytest.fixture
def settings_overrides(registry):
    return {"registries": (registry.host,)}


def _config(**run) -> bytes:
    return json.dumps(
        {"architecture": host_platform()[1], "os": "linux", "config": {"Cmd": ["true"], **run}}
    ).encode()


def _submit(client, factory, image: str, **job) -> str:
    response = client.post(
        "/v0/run",
        json=run_body("demo", job={"image": image, **job}),
        headers=auth(factory.admin_token),
    )
    assert response.status_code == 201, response.json
    return response.json["job"]


def _set_config(uuid: str, **config) -> None:
    """What a server that let a value through (an older one, or a bug) would hand over."""
    job = db.session.query(Job).filter_by(uuid=uuid).one()
    job.config = {**job.config, **config}
    db.session.commit()


def test_hostile_jobs_fail_alone_and_the_runner_goes_on(
    live_server,
    client,
    factory,
    registry,
    tmp_path,
    searchable_dir,  # noqa: F811  (so the default --userns auto gets a user namespace)
):
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    host = registry.host
    images = {
        "user-int": raw_config_image(_config(User=1000)),
        "entrypoint-int": raw_config_image(_config(Entrypoint=5)),
        "config-not-json": raw_config_image(b"this is not JSON"),
        "long-layer-name": raw_config_image(_config(), [malicious_layer("long-name")]),
        "huge-config": raw_config_image(_config(Labels={"pad": "x" * (5 * MiB)})),
        "sparse": raw_config_image(_config(), [sparse_layer(IMAGE_MAX_BYTES)]),
        "loop": busybox_image('ln -s loop "$BENCHER_OUTPUT_DIR/loop"'),
        "good": busybox_image(GOOD_BMF),
    }
    for name, image in images.items():
        push_image(host, f"hostile/{name}", "v1", image)
    expected = {
        _submit(client, factory, f"{host}/hostile/user-int:v1"): (
            "could not pull", "field 'config.User' must be a string, got 1000"),
        _submit(client, factory, f"{host}/hostile/entrypoint-int:v1"): (
            "could not pull", "field 'config.Entrypoint' must be a list of strings, got 5"),
        _submit(client, factory, f"{host}/hostile/config-not-json:v1"): (
            "could not pull", "image config is not valid JSON"),
        _submit(client, factory, f"{host}/hostile/long-layer-name:v1"): (
            "could not pull", "a name component is longer than 255 bytes"),
        _submit(client, factory, f"{host}/hostile/huge-config:v1"): (
            "could not pull", "configs of a declared size up to 4194304 bytes"),
        _submit(client, factory, f"{host}/hostile/sparse:v1"): (
            "could not pull", f"the image unpacks to more than {IMAGE_MAX_BYTES} bytes"),
        _submit(client, factory, f"{host}/hostile/loop:v1", file_paths=["loop"]): (
            "file_paths entry 'loop' could not be read: symlink loop",),
    }  # fmt: skip
    nul = _submit(client, factory, f"{host}/hostile/good:v1", file_paths=["r.json"])
    _set_config(nul, file_paths=["a\0b"])
    expected[nul] = ("file_paths entry 'a\\x00b' contains a NUL character",)
    long = _submit(client, factory, f"{host}/hostile/good:v1", file_paths=["r.json"])
    _set_config(long, file_paths=["x" * 300])
    expected[long] = ("has a name longer than 255 bytes",)
    unexpected = _submit(client, factory, f"{host}/hostile/good:v1")
    _set_config(unexpected, iter="many")  # fails where no check expects it: the catch-all
    expected[unexpected] = ("the runner could not run the job: ValueError",)
    good = _submit(client, factory, f"{host}/hostile/good:v1")

    log = tmp_path / "runner.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "runner", "up", "--host", live_server.url,
             "--runner", "r1", "--cache-dir", str(searchable_dir / "c"),
             "--work-dir", str(searchable_dir / "w"), "--poll-timeout", "5",
             "--jobs", str(len(expected) + 1), "--image-max-bytes", str(IMAGE_MAX_BYTES)],
            cwd=REPO, env={**os.environ, "BENCHER_RUNNER_TOKEN": token},
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        assert process.wait(timeout=RUNNER_BOUND) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    for uuid, fragments in expected.items():
        job = client.get(f"/v0/projects/demo/jobs/{uuid}").json
        assert job["status"] == "failed", (uuid, job)
        for fragment in fragments:
            assert fragment in job["error"], (fragment, job["error"])
    last = client.get(f"/v0/projects/demo/jobs/{good}").json
    assert last["status"] == "completed", last["error"]
    # Only the unexpected error is logged with its traceback; the runner went on after it.
    assert log.read_text().count("Traceback") == 1
    assert f"in a user namespace as host uids {USERNS_BASE}+" in log.read_text()
