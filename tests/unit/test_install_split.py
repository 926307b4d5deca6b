"""The CLI, the runner and the shared libraries work without the server stack installed.

Each check runs in a fresh interpreter. ``_BLOCK_SERVER`` makes the server's packages
unimportable there, as on a machine where only ``pip install bencher-service`` (no
``[server]`` extra) was run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVER_PACKAGES = (
    "flask", "flask_sqlalchemy", "flask_migrate", "flask_sock", "sqlalchemy", "alembic",
    "marshmallow", "celery", "kombu", "redis", "psycopg", "gunicorn", "matplotlib",
)  # fmt: skip

_BLOCK_SERVER = textwrap.dedent(
    f"""
    import sys

    class _NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {SERVER_PACKAGES!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _NotInstalled())
    """
)


def _python(code: str, *, block_server: bool = False) -> subprocess.CompletedProcess:
    prelude = _BLOCK_SERVER if block_server else ""
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _bencher(*args: str) -> subprocess.CompletedProcess:
    return _python(
        f"""
        sys.argv = ["bencher", *{list(args)!r}]
        from cli.main import cli
        cli()
        """,
        block_server=True,
    )


def test_libraries_and_cli_import_no_server_module():
    done = _python(
        f"""
        import json, sys
        import adapters, oci, protocol, reports, thresholds
        import cli.main, cli.run, cli.jobs, cli.perf, cli.alerts, runner.cli, runner.daemon
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {SERVER_PACKAGES!r})))
        """
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_blocker_really_blocks():
    """Guards the tests below: without the blocker they would prove nothing."""
    done = _python("import flask", block_server=True)
    assert done.returncode != 0
    assert "No module named 'flask'" in done.stderr


def test_cli_works_without_the_server_stack():
    for args in (["--help"], ["run", "--help"], ["job", "--help"], ["perf", "--help"],
                 ["alert", "list", "--help"], ["runner", "up", "--help"]):  # fmt: skip
        done = _bencher(*args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Usage:" in done.stdout
    listing = _bencher("--help").stdout
    assert "server" in listing and "Set up and run the Bencher API server." in listing


def test_server_command_says_what_to_install():
    done = _bencher("server", "init")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "pip install '.[server]'" in done.stderr
    assert "bencher server" in done.stderr
