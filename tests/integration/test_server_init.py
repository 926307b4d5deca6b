"""`bencher server init` on a fresh data directory, run as a real command."""

import subprocess
import sys

import requests

from tests.support.processes import REPO, api_process, server_env


def test_server_init_prints_only_a_working_token(database_url, tmp_path):
    env = server_env(database_url, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "server", "init"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("bencher_api_") and "\n" not in token
    again = subprocess.run(
        [sys.executable, "-m", "cli.main", "server", "init"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.strip() != token
    with api_process(env, tmp_path / "api.log") as url:
        headers = {"Authorization": f"Bearer {token}"}
        created = requests.post(
            f"{url}/v0/projects", json={"name": "x"}, headers=headers, timeout=10
        )
        assert created.status_code == 201
        wrong = requests.post(f"{url}/v0/projects", json={"name": "y"}, timeout=10)
        assert wrong.status_code == 401
