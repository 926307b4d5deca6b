"""`bencher run --image` through every real process of the system."""

from __future__ import annotations

import json
import subprocess
import time

import requests

from tests.support.oci_image import busybox_image, push_image
from tests.support.processes import REPO, wait_until

PRINT_BMF = (
    'echo "{\\"sort\\": {\\"latency\\": {\\"value\\": 1500}},'
    ' \\"hash\\": {\\"latency\\": {\\"value\\": 40}}}"'
)


def test_remote_run_returns_the_right_metrics(stack):
    push_image(stack.registry, "e2e/bmf", "v1", busybox_image(PRINT_BMF))
    done = stack.bencher("run", "--image", f"{stack.registry}/e2e/bmf:v1", "--adapter", "json",
                         "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "processed"
    values = {(r["benchmark"], r["measure"]): r["value"] for r in report["results"]}
    assert values == {("sort", "latency"): 1500.0, ("hash", "latency"): 40.0}
    human = stack.bencher("run", "--image", f"{stack.registry}/e2e/bmf:v1", "--adapter", "json")
    assert human.returncode == 0, human.stderr
    assert "Latency (ns)" in human.stdout.splitlines()  # the unit once, in the title
    assert any(line.split()[:2] == ["sort", "1,500"] for line in human.stdout.splitlines())
    # the job's output was shown live, before the status line that ends the run
    lines = human.stderr.splitlines()
    printed = next(i for i, line in enumerate(lines) if '"sort"' in line)
    assert "queued" in lines[0] and printed < lines.index(lines[-1]) and "processed" in lines[-1]
    assert "--- stdout ---" not in human.stderr  # not printed twice


def test_failing_benchmark_exits_non_zero_with_its_stderr(stack):
    push_image(
        stack.registry, "e2e/fail", "v1", busybox_image("echo 'segfault in bench' >&2; exit 4")
    )
    done = stack.bencher("run", "--image", f"{stack.registry}/e2e/fail:v1", "--adapter", "json")
    assert done.returncode == 1
    assert "segfault in bench" in done.stderr
    assert "exited with code 4" in done.stderr
    assert "hint: pass --allow-failure" in done.stderr


def test_canceled_job_stops_the_container(stack):
    push_image(stack.registry, "e2e/slow", "v1", busybox_image("echo started; sleep 120"))
    detached = stack.bencher("run", "--image", f"{stack.registry}/e2e/slow:v1", "--detach")
    assert detached.returncode == 0, detached.stderr
    job = detached.stdout.strip().split()[-1]
    wait_until(lambda: _status(stack, job) == "running", 60, "job running")
    canceled = stack.bencher("job", "cancel", job)
    assert canceled.returncode == 0, canceled.stderr
    wait_until(lambda: b"canceled" in (stack.logs / "runner.log").read_bytes(), 20, "runner cancel")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _containers(stack):
        time.sleep(0.2)
    assert _containers(stack) == []
    assert _status(stack, job) == "canceled"


def test_flower_lists_process_results_tasks(stack):
    def tasks():
        try:
            response = requests.get(f"{stack.flower_url}/api/tasks", timeout=5)
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        names = [t.get("name") for t in response.json().values()]
        return "process_results" in names and names

    names = wait_until(tasks, 60, "flower listing process_results", 1)
    assert "process_results" in names


def _status(stack, job: str) -> str:
    viewed = stack.bencher("job", "view", job, "--format", "json")
    return json.loads(viewed.stdout)["status"] if viewed.returncode == 0 else ""


def _containers(stack) -> list[str]:
    root = stack.logs / "work" / "sandbox" / "runc"
    listed = subprocess.run(["runc", "--root", str(root), "list", "-q"], capture_output=True,
                            text=True, cwd=REPO, timeout=10)  # fmt: skip
    return listed.stdout.split()
