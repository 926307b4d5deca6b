"""``/bencher/output`` is a tmpfs sized from the job's spec: a job cannot write past its disk
size, and nothing stays mounted after the job (real API, registry and runc)."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from runner.api import RunnerApi
from runner.daemon import Runner
from runner.executors import get_executor
from runner.images import ImageStore
from runner.output_mount import make_output_dir, prepare_jobs_dir
from tests.support.oci_image import busybox_image, push_image
from tests.support.server import auth, run_body

pytestmark = pytest.mark.skipif(
    shutil.which("runc") is None or os.geteuid() != 0, reason="needs runc and root"
)
MiB = 1024 * 1024
DISK = 4 * MiB
# Writes 16 MiB where the spec allows 4, then reports how much landed and whether the mount is
# the size the spec says (df's 1K blocks).
FILL = (
    'dd if=/dev/zero of="$BENCHER_OUTPUT_DIR/big" bs=1048576 count=16 2>&1 | head -1 >&2; '
    'size=$(wc -c < "$BENCHER_OUTPUT_DIR/big"); '
    "blocks=$(df -k \"$BENCHER_OUTPUT_DIR\" | tail -1 | awk '{print $2}'); "
    'echo "{\\"fill\\": {\\"written\\": {\\"value\\": $size}, '
    '\\"blocks\\": {\\"value\\": $blocks}}}"'
)


@pytest.fixture
def settings_overrides(registry):
    return {"registries": (registry.host,)}


def test_a_job_cannot_write_more_output_than_its_spec_disk(
    live_server, client, factory, registry, tmp_path
):
    headers = auth(factory.admin_token)
    client.post("/v0/projects", json={"name": "demo"}, headers=headers)
    spec = {"slug": "tiny", "memory": 256 * MiB, "disk": DISK, "fallback": True}
    assert client.post("/v0/specs", json=spec, headers=headers).status_code == 201
    runner = client.post("/v0/runners", json={"slug": "r1"}, headers=headers).json
    client.post("/v0/runners/r1/specs", json={"spec": "tiny"}, headers=headers)
    push_image(registry.host, "acme/fill", "v1", busybox_image(FILL))
    response = client.post(
        "/v0/run",
        json=run_body("demo", job={"image": f"{registry.host}/acme/fill:v1"}),
        headers=headers,
    )
    assert response.status_code == 201, response.json
    uuid = response.json["job"]
    daemon = Runner(
        RunnerApi(live_server.url, "r1", runner["token"]),
        ImageStore(tmp_path / "cache", 2**30),
        get_executor("runc", state_root=tmp_path / "sandbox"),
        tmp_path / "jobs",
        poll_timeout=5,
    )
    assert daemon.serve(max_jobs=1) == 1
    job = client.get(f"/v0/projects/demo/jobs/{uuid}?output=true").json
    assert job["status"] == "completed", job["error"]
    report = json.loads(job["output"][0]["stdout"])["fill"]
    assert report["blocks"]["value"] == DISK // 1024
    assert report["written"]["value"] <= DISK
    assert "No space left on device" in job["output"][0]["stderr"]
    assert str(tmp_path / "jobs") not in open("/proc/self/mountinfo").read()  # unmounted
    assert not (tmp_path / "jobs" / uuid).exists()


def test_output_mounts_a_dead_runner_left_are_cleared_at_start(tmp_path):
    output = tmp_path / "jobs" / "some-job" / "iteration-0"
    make_output_dir(output, MiB, mount=True)
    (output / "result.json").write_text("{}")
    assert str(output) in open("/proc/self/mountinfo").read()
    prepare_jobs_dir(tmp_path / "jobs")
    assert str(output) not in open("/proc/self/mountinfo").read()
    assert list((tmp_path / "jobs").iterdir()) == []


def test_the_jobs_directory_is_searchable_but_not_listable(tmp_path):
    previous = os.umask(0o022)  # the runner's own umask
    try:
        prepare_jobs_dir(tmp_path / "work" / "jobs")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "work" / "jobs").stat().st_mode) == 0o711
