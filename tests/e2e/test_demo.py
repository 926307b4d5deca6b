"""`make demo`'s script end to end: it catches the regression, writes no colour codes into a
pipe, and leaves nothing behind in the temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.processes import REPO


def test_the_demo_runs_and_leaves_nothing_behind(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHER_")}
    env.update(TMPDIR=str(tmp), NO_COLOR="")  # NO_COLOR empty counts as unset
    done = subprocess.run([sys.executable, "scripts/demo.py"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Run 1 exited 0; run 2 exited 3: the regression was caught." in done.stdout
    assert "\033[" not in done.stdout + done.stderr
    assert "source .venv/bin/activate` puts it on your PATH" in done.stdout
    assert list(tmp.iterdir()) == []
