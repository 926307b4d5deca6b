"""`bencher server up`: the embedded stack starts, stops cleanly on Ctrl-C, and keeps data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.support.processes import REPO, free_port


def _up(env: dict[str, str], port: int, redis_port: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "server", "up", "--port", str(port),
         "--redis-port", str(redis_port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    token = None
    for line in process.stdout:  # ends when `up` exits; it prints "Press Ctrl-C" when ready
        if match := re.match(r"export BENCHER_API_TOKEN=(\S+)", line):
            token = match.group(1)
        if line.startswith("Press Ctrl-C"):
            return process, token
    raise AssertionError(f"server up exited with {process.wait(timeout=10)}")


def test_up_twice_on_the_same_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BENCHER_BROKER_URL"}
    env["BENCHER_DATA_DIR"] = str(tmp_path / "data")
    env.pop("BENCHER_DATABASE_URL", None)
    port, redis_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    process, token = _up(env, port, redis_port)
    try:
        assert requests.get(f"{url}/v0/health", timeout=5).json()["status"] == "ok"
        headers = {"Authorization": f"Bearer {token}"}
        created = requests.post(f"{url}/v0/projects", json={"name": "kept"}, headers=headers,
                                timeout=10)  # fmt: skip
        assert created.status_code == 201
        listed = requests.get(f"{url}/v0/projects", timeout=5).json()
        assert {"demo", "kept"} <= {p["slug"] for p in listed}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
    assert (tmp_path / "data" / "bencher.db").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/v0/health", timeout=2)

    process, token = _up(env, port, redis_port)
    try:
        slugs = {p["slug"] for p in requests.get(f"{url}/v0/projects", timeout=5).json()}
        assert {"demo", "kept"} <= slugs
    finally:
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
