"""The unsandboxed executor, and through it the shared capture/timeout/cancel supervision."""

import threading
from collections.abc import Callable
from pathlib import Path

from runner.executors import RunResult, RunSpec
from runner.executors.process import ProcessExecutor
from tests.support.processes import running, wait_until

# Only turns a hang into a failure: every run here that works ends well within a second, and
# one whose timeout or kill is broken runs its 60 s sleep.
BOUND = 20


def run(tmp_path, script, cancel=None, **kw):
    spec = RunSpec(
        rootfs=tmp_path,
        argv=["/bin/sh", "-c", script],
        env={"PATH": "/usr/bin:/bin", "GREETING": "hello"},
        output_dir=tmp_path / "out",
        **kw,
    )
    return ProcessExecutor().run(spec, cancel or threading.Event())


def start(tmp_path, script, **kw) -> Callable[[], RunResult]:
    """Start ``run`` in a thread; the returned function waits for the run's result, failing
    the test if the run has not returned within ``BOUND`` s."""
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.update(result=run(tmp_path, script, **kw)), daemon=True
    )
    worker.start()

    def result() -> RunResult:
        worker.join(BOUND)
        assert not worker.is_alive(), f"the run of {script!r} did not return within {BOUND} s"
        return outcome["result"]

    return result


def assert_ended(pid_file: Path) -> None:
    """The process whose pid the job wrote to ``pid_file`` has ended (or does so shortly)."""
    assert pid_file.exists(), "the job never started its background child"
    pid = int(pid_file.read_text())
    wait_until(lambda: not running(pid), BOUND, f"the end of the job's background child {pid}")


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


def test_timeout_kills_the_whole_process_group(tmp_path):
    # The background child would keep running (and keep the pipe open) if only the shell died.
    script = 'sleep 60 & echo $! > "$BENCHER_OUTPUT_DIR/child.pid"; sleep 60; echo finished'
    result = start(tmp_path, script, timeout=1)()
    assert result.timed_out and not result.canceled
    assert result.exit_code == 137
    assert result.stdout == ""
    assert_ended(tmp_path / "out/child.pid")


def test_cancel_stops_the_running_job(tmp_path):
    cancel = threading.Event()
    started = tmp_path / "out/started"
    script = 'echo started; touch "$BENCHER_OUTPUT_DIR/started"; sleep 60; echo finished'
    finish = start(tmp_path, script, cancel=cancel)
    wait_until(started.exists, BOUND, "the job's start")
    cancel.set()
    result = finish()
    assert result.canceled and not result.timed_out
    assert result.exit_code == 137
    assert result.stdout == "started\n"


def test_missing_program_is_an_error_not_an_exception(tmp_path):
    spec = RunSpec(rootfs=tmp_path, argv=["/no/such/program"], env={})
    result = ProcessExecutor().run(spec, threading.Event())
    assert result.exit_code is None
    assert "could not start '/no/such/program': No such file or directory" in result.error


def test_background_child_holding_the_pipe_does_not_hang_the_run(tmp_path):
    script = 'sleep 60 & echo $! > "$BENCHER_OUTPUT_DIR/child.pid"; echo parent done'
    result = start(tmp_path, script)()
    assert result.exit_code == 0
    assert result.stdout == "parent done\n"
    assert not (result.timed_out or result.canceled)
    assert_ended(tmp_path / "out/child.pid")  # killed with its group once the job ended
