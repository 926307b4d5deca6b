"""The entry point answers --version on its own, with the installed package's version."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from cli.entry import VERSION
from tests.support.processes import REPO


def test_the_version_is_the_installed_one():
    assert VERSION == version("bencher-service")


def test_version_imports_neither_click_nor_the_commands():
    probe = (
        "import sys; sys.argv = ['bencher', '--version']; from cli.entry import main; main(); "
        "print(sorted(m for m in ('click', 'cli.main', 'requests') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out == f"bencher, version {VERSION}\n[]\n"


def test_everything_else_goes_to_the_click_group():
    run = "import sys; from cli.entry import main; sys.exit(main())"
    out = subprocess.run(
        [sys.executable, "-c", run, "--help"],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0 and "Usage:" in out.stdout
