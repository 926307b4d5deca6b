"""The unsandboxed executor, and through it the shared capture/timeout/cancel supervision."""

import threading
import time

from runner.executors import RunSpec
from runner.executors.process import ProcessExecutor


def run(tmp_path, script, cancel=None, **kw):
    spec = RunSpec(
        rootfs=tmp_path,
        argv=["/bin/sh", "-c", script],
        env={"PATH": "/usr/bin:/bin", "GREETING": "hello"},
        output_dir=tmp_path / "out",
        **kw,
    )
    return ProcessExecutor().run(spec, cancel or threading.Event())


def test_captures_stdout_and_stderr_separately_with_exit_code(tmp_path):
    result = run(tmp_path, 'echo "$GREETING"; echo oops >&2; exit 3')
    assert (result.exit_code, result.stdout, result.stderr) == (3, "hello\n", "oops\n")
    assert not (result.timed_out or result.canceled or result.truncated or result.oom_killed)
    assert result.error is None


def test_output_dir_is_exported(tmp_path):
    result = run(tmp_path, 'echo 42 > "$BENCHER_OUTPUT_DIR/result.txt"')
    assert result.exit_code == 0
    assert (tmp_path / "out/result.txt").read_text() == "42\n"


def test_stdout_is_capped_without_blocking_the_process(tmp_path):
    result = run(tmp_path, "head -c 3000000 /dev/zero | tr '\\0' a; echo done >&2", stdout_cap=1000)
    assert result.exit_code == 0
    assert result.stdout == "a" * 1000
    assert result.stderr == "done\n"
    assert result.truncated


def test_timeout_kills_the_process_group_promptly(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "sleep 30 & sleep 30", timeout=0.5)
    assert result.timed_out
    assert result.exit_code == 137
    assert time.monotonic() - started < 3


def test_cancel_stops_the_job_within_a_second(tmp_path):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    result = run(tmp_path, "echo started; sleep 30", cancel=cancel)
    assert result.canceled and not result.timed_out
    assert result.stdout == "started\n"
    assert time.monotonic() - started < 1.3


def test_missing_program_is_an_error_not_an_exception(tmp_path):
    spec = RunSpec(rootfs=tmp_path, argv=["/no/such/program"], env={})
    result = ProcessExecutor().run(spec, threading.Event())
    assert result.exit_code is None
    assert "cannot start '/no/such/program'" in result.error


def test_background_child_holding_the_pipe_does_not_hang_the_run(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "sleep 30 & echo parent done")
    assert result.exit_code == 0
    assert result.stdout == "parent done\n"
    assert time.monotonic() - started < 3
