"""The runc sandbox end to end: image from a real registry, run by real runc as root."""

import json
import os
import socket
import threading
from collections.abc import Callable

import pytest

from runner.executors import RunResult, RunSpec, build_argv, build_env
from tests.support.oci_image import busybox_image
from tests.support.processes import wait_until

pytestmark = [pytest.mark.registry, pytest.mark.runc]

BMF = {"bench::parse": {"latency": {"value": 12.5, "lower_value": 12.0, "upper_value": 13.1}}}
# Only turns a hang into a failure: a container that is killed as it should be is gone within
# a second or two, one that is not runs its 60 s sleep.
BOUND = 30
# Run by the job once it is running: the test waits for the file instead of guessing a delay.
MARK_STARTED = 'touch "$BENCHER_OUTPUT_DIR/started"'


def run(executor, image, tmp_path, cancel=None, entrypoint=None, cmd=None, env=None, **limits):
    spec = RunSpec(
        rootfs=image.rootfs,
        argv=build_argv(image.config, entrypoint, cmd),
        env=build_env(image.config, env),
        cwd=image.config["WorkingDir"] or "/",
        output_dir=tmp_path / "output",
        user=image.config["User"],
        **limits,
    )
    return executor.run(spec, cancel or threading.Event())


@pytest.fixture
def patient_executor(runc_executor):
    """A runc executor that falls back to SIGKILLing runc itself only after ``2 * BOUND`` s,
    so that a run stopped within ``BOUND`` s was stopped by ``runc kill``."""
    from runner.executors.runc import RuncExecutor

    return RuncExecutor(runc_executor.state_root, kill_grace=2 * BOUND)


def start(executor, image, tmp_path, **kwargs) -> Callable[[], RunResult]:
    """Start ``run`` in a thread; the returned function waits for the run's result, failing
    the test if the run has not returned within ``BOUND`` s."""
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.update(result=run(executor, image, tmp_path, **kwargs)),
        daemon=True,
    )
    worker.start()

    def result() -> RunResult:
        worker.join(BOUND)
        assert not worker.is_alive(), f"the container's run did not return within {BOUND} s"
        return outcome["result"]

    return result


def wait_for_start(tmp_path) -> None:
    """Wait until the job ran ``MARK_STARTED``: its container is up and its command running."""
    started = tmp_path / "output/started"
    wait_until(started.exists, BOUND, "the start of the job in its container")


def test_bmf_printing_image_runs_and_its_stdout_arrives(runc_executor, pull, tmp_path):
    image = pull(busybox_image(f"echo '{json.dumps(BMF)}'; echo progress >&2"))
    result = run(runc_executor, image, tmp_path, timeout=30)
    assert result.error is None, result.stderr
    assert result.exit_code == 0
    assert json.loads(result.stdout) == BMF
    assert result.stderr == "progress\n"
    assert not (result.timed_out or result.oom_killed or result.canceled or result.truncated)
    assert list((tmp_path / "runc-state/bundles").iterdir()) == []  # bundle cleaned up


def test_entrypoint_cmd_and_env_overrides_apply(runc_executor, pull, tmp_path):
    image = pull(
        busybox_image(
            entrypoint=["/bin/sh", "-c", 'echo "$0 $1 $MODE"'],
            cmd=["image-cmd", "image-arg"],
            env={"MODE": "image"},
        )
    )
    assert run(runc_executor, image, tmp_path).stdout == "image-cmd image-arg image\n"
    overridden = run(runc_executor, image, tmp_path, cmd=["job-cmd", "x"], env={"MODE": "job"})
    assert overridden.stdout == "job-cmd x job\n"
    # a new entrypoint drops the image's Cmd, as docker run --entrypoint does
    replaced = run(runc_executor, image, tmp_path, entrypoint=["/bin/echo", "only"])
    assert replaced.stdout == "only\n"


def test_root_is_read_only_tmp_and_output_are_writable(runc_executor, pull, tmp_path):
    script = (
        "touch /forbidden 2>/dev/null && echo root-writable; "
        "echo t > /tmp/t && echo tmp-ok; "
        'echo \'{"n": 1}\' > "$BENCHER_OUTPUT_DIR/results.json"; id -u'
    )
    image = pull(busybox_image(script, user="1000:1000"))
    result = run(runc_executor, image, tmp_path)
    assert result.stdout == "tmp-ok\n1000\n", result.stderr
    assert json.loads((tmp_path / "output/results.json").read_text()) == {"n": 1}
    assert not (image.rootfs / "forbidden").exists()


def test_job_cannot_reach_the_hosts_loopback(runc_executor, pull, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    script = (
        f"echo probe | nc -w 2 127.0.0.1 {port} && echo REACHED-HOST; "
        # only lo, and up (IFF_UP | IFF_LOOPBACK): the job's own loopback works for benchmarks
        # of local servers. Read from sysfs: netlink sockets (what `ip` uses) are refused.
        "ls /sys/class/net; cat /sys/class/net/lo/flags"
    )
    try:
        result = run(runc_executor, pull(busybox_image(script)), tmp_path, timeout=20)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert "REACHED-HOST" not in result.stdout
    assert result.stdout == "lo\n0x9\n", result.stderr
    assert "Connection refused" in result.stderr


def test_exceeding_the_memory_limit_is_reported_as_oom(runc_executor, pull, tmp_path):
    image = pull(busybox_image("x=$(head -c 200000000 /dev/zero | tr '\\0' x); echo survived"))
    result = run(runc_executor, image, tmp_path, memory_bytes=32 << 20, timeout=30)
    assert result.oom_killed
    assert "survived" not in result.stdout
    assert not result.timed_out


def test_timeout_kills_the_container(patient_executor, pull, tmp_path):
    image = pull(busybox_image("echo started; sleep 60; echo finished"))
    result = start(patient_executor, image, tmp_path, timeout=1)()
    assert result.timed_out and not result.canceled
    assert result.stdout == "started\n"
    assert result.exit_code == 137


def test_cancel_kills_the_running_container(patient_executor, pull, tmp_path):
    image = pull(busybox_image(f"echo started; {MARK_STARTED}; sleep 60; echo finished"))
    cancel = threading.Event()
    finish = start(patient_executor, image, tmp_path, cancel=cancel, timeout=60)
    wait_for_start(tmp_path)
    cancel.set()
    result = finish()
    assert result.canceled and not result.timed_out
    assert result.stdout == "started\n"
    assert result.exit_code == 137


def test_stdout_cap_truncates_without_blocking(runc_executor, pull, tmp_path):
    image = pull(busybox_image("head -c 5000000 /dev/zero | tr '\\0' a; echo end >&2"))
    result = run(runc_executor, image, tmp_path, stdout_cap=4096, timeout=30)
    assert result.exit_code == 0
    assert result.truncated
    assert result.stdout == "a" * 4096
    assert result.stderr == "end\n"


def test_pids_and_cpu_limits_are_applied(runc_executor, pull, tmp_path):
    script = (
        "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null "
        "|| cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max"
    )
    result = run(runc_executor, pull(busybox_image(script)), tmp_path, pids=42, cpus=0.5)
    assert result.stdout.split()[:2] in (["42", "50000"], ["42", "50000 100000"][:2])


def test_user_namespaces_and_mounts_are_denied(runc_executor, pull, tmp_path):
    script = (
        "unshare -U true || echo no-userns; mount -t tmpfs none /mnt 2>/dev/null || echo no-mount"
    )
    result = run(runc_executor, pull(busybox_image(script)), tmp_path)
    assert result.stdout.split() == ["no-userns", "no-mount"]


def test_runc_failure_is_an_error_not_an_exit_code(runc_executor, pull, tmp_path):
    image = pull(busybox_image("true"))
    result = run(runc_executor, image, tmp_path, entrypoint=["/no/such/binary"])
    assert result.exit_code is None
    assert "no such file" in result.error.lower()
    assert os.listdir(tmp_path / "runc-state/bundles") == []


def test_a_new_executor_cleans_up_containers_left_by_a_dead_one(runc_executor, pull, tmp_path):
    from runner.executors.runc import RuncExecutor

    image = pull(busybox_image(f"{MARK_STARTED}; sleep 60"))
    finish = start(runc_executor, image, tmp_path, timeout=60)
    wait_for_start(tmp_path)
    successor = RuncExecutor(tmp_path / "runc-state")  # as if the runner restarted
    result = finish()
    assert result.exit_code == 137  # killed by the successor: neither timeout nor cancel
    assert not (result.timed_out or result.canceled)
    assert successor.cleanup() == []
