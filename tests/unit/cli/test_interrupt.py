"""Ctrl-C on a local run, as a terminal sends it: ``bencher`` stops the benchmark's process
group, sends nothing, and exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from cli import exit_codes
from tests.support.processes import REPO, wait_until


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_ctrl_c_stops_the_command_and_exits_130(tmp_path):
    pid_file = tmp_path / "child.pid"
    command = f"sleep 60 & echo $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; wait"
    bencher = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--dry-run", "--adapter", "json", command],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("BENCHER_")},
        start_new_session=True,  # its own terminal-like process group, which Ctrl-C signals
    )  # fmt: skip
    try:
        wait_until(pid_file.exists, 30, "the benchmark's child process to start")
        child = int(pid_file.read_text())
        os.killpg(bencher.pid, signal.SIGINT)  # the benchmark runs in a group of its own
        out, err = bencher.communicate(timeout=30)
    finally:
        if bencher.poll() is None:
            bencher.kill()
    assert bencher.returncode == exit_codes.INTERRUPTED, err
    assert "Error: interrupted: the command was stopped and nothing was sent" in err
    assert out == ""
    wait_until(lambda: not _alive(child), 30, f"the end of the benchmark's child {child}")
