"""Running a local benchmark command: capture, live echo, exit codes, timeouts."""

import sys

import pytest

from cli.local import run_command
from tests.support.processes import running, wait_until

PY = sys.executable


def test_shell_string_captures_stdout_and_echoes_it():
    echoed = []
    done = run_command("echo one; echo two", echo=echoed.append)
    assert done.exit_code == 0 and not done.timed_out
    assert done.stdout == "one\ntwo\n"
    assert "".join(echoed) == "one\ntwo\n"


def test_argv_is_run_without_a_shell():
    done = run_command([PY, "-c", "import sys; print(sys.argv[1:])", "a b", "$HOME"])
    assert done.stdout == "['a b', '$HOME']\n"


def test_exit_code_is_reported():
    assert run_command("exit 3").exit_code == 3


def test_stderr_is_not_captured():
    done = run_command([PY, "-c", "import sys; print('err', file=sys.stderr); print('out')"])
    assert done.stdout == "out\n"


def test_undecodable_bytes_are_replaced():
    done = run_command([PY, "-c", "import sys; sys.stdout.buffer.write(b'ok \\xff\\n')"])
    assert done.stdout == "ok \ufffd\n"


def test_timeout_stops_the_whole_process_group(tmp_path):
    pid_file = tmp_path / "child.pid"
    # the shell's child keeps the pipe open; the group kill must end it too
    done = run_command(f"sleep 60 & echo $! > {pid_file}; echo started; sleep 60", timeout=1)
    assert done.timed_out and done.exit_code is None
    assert done.stdout == "started\n"
    assert pid_file.exists(), "the command never started its background child"
    child = int(pid_file.read_text())
    wait_until(lambda: not running(child), 20, f"the end of the command's background child {child}")


def test_missing_program_raises():
    with pytest.raises(FileNotFoundError):
        run_command(["/nonexistent/bencher-test-binary"])
