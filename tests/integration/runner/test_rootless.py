"""A real ``bencher runner up`` started by an unprivileged user (``nobody``, through ``setpriv``):
rootless runc against the real API, registry and kernel."""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from pathlib import Path

import pytest

from oci.base import busybox_layer
from oci.build import image_from_layers
from oci.layers import compress
from oci.platform import host_platform
from tests.support.oci_image import busybox_image, push_image
from tests.support.processes import REPO
from tests.support.runner_api import create_runner, setup_project
from tests.support.server import auth, run_body

pytestmark = [
    pytest.mark.registry,
    pytest.mark.runc,
    pytest.mark.skipif(
        shutil.which("runc") is None or shutil.which("setpriv") is None or os.geteuid() != 0,
        reason="needs runc, setpriv and root (to become nobody)",
    ),
]
NOBODY = pwd.getpwnam("nobody")
EAFNOSUPPORT, ENOSYS = 97, 38
# Bound on the runner process's whole run: each job here takes a second or two.
RUNNER_BOUND = 180
# Facts on stderr, one "name value" line each; the results on stdout and in a file.
PROBE = """{
echo "uid $(id -u)"
echo "map $(cat /proc/self/uid_map)"
echo "interfaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
echo "mount $(grep ' /bencher/output ' /proc/mounts)"
echo "cgroupfs $(ls /sys/fs/cgroup | wc -l)"
echo "owned $(ls -ln /owned)"
touch /new 2>/dev/null; echo "rootfs_writable $((1 - $?))"
unshare -r true 2>/dev/null; echo "unshare_allowed $((1 - $?))"
} >&2
echo '{"bench": {"latency": {"value": 1}}}' | tee "$BENCHER_OUTPUT_DIR/r.json"
"""


@pytest.fixture
def settings_overrides(registry):
    return {"registries": (registry.host,)}


@pytest.fixture
def nobody_dir():
    """A fresh directory owned by ``nobody``, removed after (by root: whatever it holds)."""
    path = Path(tempfile.mkdtemp(prefix="bencher-rootless-"))
    os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def as_nobody():
    """The command prefix running this checkout's Python as ``nobody``; skips without one.

    The test's own interpreter may sit under a private home (pyenv in ``/root``): then the
    system's Python of the same version runs the checkout and this environment's packages.
    """
    setpriv = ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups"]
    paths = dict.fromkeys([str(REPO), sysconfig.get_paths()["purelib"]])
    paths.update(dict.fromkeys([sysconfig.get_paths()["platlib"]]))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(paths)}
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for python in (sys.executable, f"/usr/bin/python{version}"):
        command = [*setpriv, "env", "-i", *(f"{k}={v}" for k, v in env.items()), python]
        check = subprocess.run(
            [*command, "-c", "import click, requests, runner.cli"],
            cwd="/",
            capture_output=True,
            timeout=60,
        )
        if check.returncode == 0:
            return command
    pytest.skip(f"no Python {version} that nobody may run")


def _runner_up(as_nobody, directory: Path, *args: str, token: str = "t", timeout=RUNNER_BOUND):
    command = [
        *as_nobody[:-1], f"BENCHER_RUNNER_TOKEN={token}", f"HOME={directory}", as_nobody[-1],
        "-m", "cli.main", "runner", "up", "--runner", "r1", "--cache-dir", str(directory / "c"),
        "--work-dir", str(directory / "w"), "--poll-timeout", "5", *args,
    ]  # fmt: skip
    return subprocess.run(command, cwd="/", capture_output=True, text=True, timeout=timeout)


def _owned_image():
    """The probe on busybox, plus ``/owned`` owned by 1000:1000 in its layer."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("owned")
        info.size, info.uid, info.gid = 2, 1000, 1000
        tar.addfile(info, io.BytesIO(b"x\n"))
    return image_from_layers(
        [busybox_layer().blob, compress(data.getvalue(), "gzip")],
        cmd=["/bin/sh", "-c", PROBE],
        env={"PATH": "/bin"},
        architecture=host_platform()[1],
    )


def _submit(client, factory, image: str, **job) -> str:
    body = run_body("demo", job={"image": image, **job})
    response = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert response.status_code == 201, response.json
    return response.json["job"]


def test_an_unprivileged_runner_runs_jobs_rootless(
    live_server, client, factory, registry, nobody_dir, as_nobody
):
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    push_image(registry.host, "rootless/probe", "v1", _owned_image())
    push_image(registry.host, "rootless/fail", "v1", busybox_image("exit 3"))
    push_image(registry.host, "rootless/user", "v1", busybox_image("true", user="1000"))
    probe = _submit(client, factory, f"{registry.host}/rootless/probe:v1", file_paths=["r.json"])
    fails = _submit(client, factory, f"{registry.host}/rootless/fail:v1")
    user = _submit(client, factory, f"{registry.host}/rootless/user:v1")

    done = _runner_up(
        as_nobody, nobody_dir, "--host", live_server.url, "--jobs", "3", "--danger-no-limits",
        token=token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"rootless: jobs run as container root mapped to host uid {NOBODY.pw_uid}" in (
        done.stderr
    )

    job = client.get(f"/v0/projects/demo/jobs/{probe}?output=true").json
    assert job["status"] == "completed", job["error"]
    (iteration,) = job["output"]
    assert json.loads(iteration["output"]["r.json"]) == {"bench": {"latency": {"value": 1}}}
    facts = dict(line.split(" ", 1) for line in iteration["stderr"].splitlines())
    assert facts["uid"] == "0"  # root inside the container ...
    assert facts["map"].split() == ["0", str(NOBODY.pw_uid), "1"]  # ... nobody outside
    assert facts["interfaces"].split() == ["lo"]  # no network
    assert facts["mount"].startswith("tmpfs ") and "size=1048576k" in facts["mount"]  # spec disk
    assert facts["cgroupfs"] == "0"  # no cgroupfs listing the runner's own cgroup
    assert facts["owned"].split()[2:4] == ["0", "0"]  # the layer's 1000:1000 became root
    assert facts["rootfs_writable"] == facts["unshare_allowed"] == "0"

    failed = client.get(f"/v0/projects/demo/jobs/{fails}").json
    assert failed["status"] == "failed" and "exited with code 3" in failed["error"]
    refused = client.get(f"/v0/projects/demo/jobs/{user}").json
    assert refused["status"] == "failed"
    assert "a rootless runner maps only container root to its own user" in refused["error"]
    # Everything the runner left on the host belongs to nobody.
    assert {p.stat().st_uid for p in nobody_dir.rglob("*")} == {NOBODY.pw_uid}


def test_an_unprivileged_runner_needs_the_limits_waiver(nobody_dir, as_nobody):
    refused = _runner_up(as_nobody, nobody_dir, "--host", "http://127.0.0.1:9", timeout=60)
    assert refused.returncode == 2
    assert "cannot enforce the spec's memory, CPU and process limits" in refused.stderr
    assert "--danger-no-limits" in refused.stderr
    off = _runner_up(
        as_nobody, nobody_dir, "--host", "http://127.0.0.1:9", "--danger-no-limits",
        "--userns", "off", timeout=60,
    )  # fmt: skip
    assert off.returncode == 2 and "needs a user namespace" in off.stderr


def test_the_rootless_sandbox_keeps_seccomp_and_masked_paths(
    live_server, client, factory, registry, nobody_dir, as_nobody, probe_image
):
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    push_image(registry.host, "rootless/c-probe", "v1", probe_image)
    probe = _submit(client, factory, f"{registry.host}/rootless/c-probe:v1", allow_failure=True)
    done = _runner_up(
        as_nobody, nobody_dir, "--host", live_server.url, "--jobs", "1", "--danger-no-limits",
        token=token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    job = client.get(f"/v0/projects/demo/jobs/{probe}?output=true").json
    assert job["output"], job["error"]
    report = dict(line.split(" ", 1) for line in job["output"][0]["stdout"].splitlines())
    report = {name: int(value) for name, value in report.items()}
    assert report["io_uring_setup"] == ENOSYS
    assert report["socket_unix"] == report["socket_inet"] == report["socket_inet6"] == 0
    assert report["socket_netlink"] == report["socketpair_netlink"] == EAFNOSUPPORT
    assert report["kallsyms_bytes"] == 0
    assert report["sys_firmware_entries"] == report["sys_kernel_entries"] == 0
    assert (report["uid"], report["uid_map_host"]) == (0, NOBODY.pw_uid)
    assert report["output_writable"] == 1
