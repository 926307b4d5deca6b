"""`bencher server up` started from a shell with a loose umask: what it writes in the data
directory is its own, and the runner's token is in the runner's environment, not its command
line (which any local user reads in `ps` or /proc/PID/cmdline)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from app.commands.runner_dir import default_runner_dir
from tests.e2e.test_server_up import up

RUNUSER = shutil.which("runuser")


def _argv(pid: str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:  # the process ended while we looked
        return []


@pytest.fixture
def open_parent():
    """A directory every user may enter, as a home directory often is (pytest's is 0700)."""
    parent = Path(tempfile.mkdtemp(prefix="bencher-up-", dir="/tmp"))
    os.chmod(parent, 0o755)
    old = os.umask(0o022)  # inherited by `up`
    yield parent
    os.umask(old)
    shutil.rmtree(default_runner_dir(parent / "data"), ignore_errors=True)
    shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0 or RUNUSER is None, reason="needs root and runuser")
def test_up_keeps_its_files_and_the_runner_token_private(open_parent):
    server = up(open_parent)
    try:
        data = Path(server.env["BENCHER_DATA_DIR"])
        runner_dir = default_runner_dir(data)
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        runners = [p for p in pids
                   if "--runner" in _argv(p) and str(runner_dir) in " ".join(_argv(p))]  # fmt: skip
        assert len(runners) == 1, runners
        argv = _argv(runners[0])
        assert "--token" not in argv
        environ = Path(f"/proc/{runners[0]}/environ").read_bytes().split(b"\0")
        (token,) = [e.split(b"=", 1)[1] for e in environ if e.startswith(b"BENCHER_RUNNER_TOKEN=")]
        assert token and all(token.decode() not in " ".join(_argv(p)) for p in pids)

        generated = [data, *data.iterdir(), *(data / "logs").iterdir()]
        generated += [Path(f"{data / 'bencher.db'}{s}") for s in ("-wal", "-shm")]
        for path in generated:
            mode = stat.S_IMODE(path.lstat().st_mode)
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
        nobody = subprocess.run(
            [RUNUSER, "-u", "nobody", "--", "cat", str(data / "bencher.db")],
            capture_output=True, timeout=30,
        )  # fmt: skip
        assert nobody.returncode != 0
        # The runner's directories outside it: searchable (for the jobs' user namespace),
        # but nobody may list them.
        for path in (runner_dir, runner_dir / "work", runner_dir / "cache"):
            listing = subprocess.run([RUNUSER, "-u", "nobody", "--", "ls", str(path)],
                                     capture_output=True, timeout=30)  # fmt: skip
            assert listing.returncode != 0, path
    finally:
        assert server.stop() == 0
