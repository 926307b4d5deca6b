"""Images built by `bencher image push` run on the real runner, and a command that cannot
start in the sandbox says so instead of "exit code None"."""

from __future__ import annotations

import json
import shutil

PRINT_BMF = 'echo \'{"pushed": {"latency": {"value": 2500000}}}\''


def test_a_pushed_directory_runs_on_the_runner(stack, tmp_path):
    source = tmp_path / "bench"
    source.mkdir()
    (source / "run.sh").write_text(f"#!/bin/sh\n{PRINT_BMF}\n")
    (source / "run.sh").chmod(0o755)
    image = f"{stack.registry}/e2e/pushed:v1"
    pushed = stack.bencher("image", "push", str(source), image, "--cmd", "./run.sh")
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith(f"{image}@sha256:")
    done = stack.bencher("run", "--image", pushed.stdout.strip(), "--adapter", "json")
    assert done.returncode == 0, done.stderr
    assert "Latency (ms)" in done.stdout.splitlines()  # 2,500,000 ns shown as 2.5 ms
    assert any(line.split()[:2] == ["pushed", "2.5"] for line in done.stdout.splitlines())


def test_a_static_binary_on_scratch_runs(stack, tmp_path):
    shutil.copy("/bin/busybox", tmp_path / "busybox")
    image = f"{stack.registry}/e2e/static:v1"
    pushed = stack.bencher("image", "push", str(tmp_path / "busybox"), image, "--base", "scratch")
    assert pushed.returncode == 0, pushed.stderr
    done = stack.bencher("run", "--image", image, "--adapter", "json", "--format", "json",
                         "--", "/bench/busybox", "sh", "-c", PRINT_BMF)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["value"] == 2500000.0


def test_a_command_missing_from_the_image_could_not_start(stack, tmp_path):
    image = f"{stack.registry}/e2e/empty:v1"
    (tmp_path / "README").write_text("nothing to run here\n")
    assert stack.bencher("image", "push", str(tmp_path / "README"), image).returncode == 0
    done = stack.bencher("run", "--image", image, "--cmd", "no-such-benchmark")
    assert done.returncode == 1
    assert "=== iteration 1: could not start ===" in done.stderr
    assert "exit code None" not in done.stderr
    error = next(line for line in done.stderr.splitlines() if line.startswith("Error: "))
    assert "failed: iteration 1: could not start (runc): " in error
    assert "no-such-benchmark" in error
    assert "hint: check --cmd and --entrypoint: the command must exist in the image" in done.stderr
