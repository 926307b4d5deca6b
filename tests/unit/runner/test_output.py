"""Job output on disk: one cap across iterations, head and tail kept, fitted to a limit."""

from __future__ import annotations

import json
import os
import stat

from runner.output import HEAD_BYTES, TAIL_BYTES, IterationOutput, JobOutput


def _iteration(output: JobOutput, index: int, stdout: bytes, stderr: bytes = b"") -> None:
    out, err = output.streams(index)
    sink = output.sink(out, err)
    for start in range(0, len(stdout), 65536):
        sink("stdout", stdout[start : start + 65536])
    if stderr:
        sink("stderr", stderr)
    out.close()
    err.close()
    output.iterations.append(IterationOutput(0, out, err))


def test_small_output_is_kept_whole(tmp_path):
    output = JobOutput(tmp_path, cap=2**20)
    _iteration(output, 0, b"hello\n", b"warn\n")
    results, dropped = output.results(2**20)
    assert results == [{"exit_code": 0, "stdout": "hello\n", "stderr": "warn\n", "output": {}}]
    assert dropped == 0


def test_the_disk_cap_spans_iterations_and_keeps_each_head_and_tail(tmp_path):
    output = JobOutput(tmp_path, cap=2**20)
    for index in range(3):
        _iteration(output, index, b"START" + b"\0" * 2**20 + b"END")
    on_disk = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert on_disk <= 2**20 + 3 * (HEAD_BYTES + TAIL_BYTES)
    results, dropped = output.results(2**20)
    assert dropped > 0
    for item in results:
        assert item["stdout"].startswith("START") and item["stdout"].endswith("END")
        assert "bytes dropped here]" in item["stdout"]


def test_nul_floods_fit_the_limit_once_escaped(tmp_path):
    output = JobOutput(tmp_path, cap=8 * 2**20)
    for index in range(2):
        _iteration(output, index, b"\0" * 2**20, b"\0" * 2**20)
    results, _ = output.results(100_000)
    assert len(json.dumps(results)) <= 100_000
    assert all(item["stdout"] and item["stderr"] for item in results)


def test_files_share_the_limit(tmp_path):
    output = JobOutput(tmp_path / "streams", cap=2**20)
    _iteration(output, 0, b"small")
    result_file = tmp_path / "r.json"
    result_file.write_text("{" + "x" * 300_000 + "}")
    output.iterations[0].files["r.json"] = result_file
    results, dropped = output.results(50_000)
    assert len(json.dumps(results)) <= 50_000 and dropped > 0
    assert results[0]["stdout"] == "small"
    assert results[0]["output"]["r.json"].startswith("{x")
    assert results[0]["output"]["r.json"].endswith("x}")


def test_the_streams_directory_is_private_whatever_the_umask(tmp_path):
    job_dir = tmp_path / "job"
    job_dir.mkdir(mode=0o711)  # searchable by a user namespace's root, as the runner keeps it
    previous = os.umask(0)
    try:
        out, err = JobOutput(job_dir / "streams").streams(0)
    finally:
        os.umask(previous)
    out.close()
    err.close()
    assert stat.S_IMODE((job_dir / "streams").stat().st_mode) == 0o700
