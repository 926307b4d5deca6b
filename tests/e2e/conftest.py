"""The whole system as real processes: gunicorn API, Celery worker with beat, Flower,
`bencher runner up` with runc, Debian's docker-registry, PostgreSQL and Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import redis

from tests.support.github import github
from tests.support.processes import (
    REPO,
    api_process,
    free_port,
    server_env,
    stop,
    wait_until,
    worker_process,
)
from tests.support.registry import registry
from tests.support.server import _postgres
from tests.support.settings import TEST_REDIS_URL

__all__ = ["_postgres", "github", "registry"]

E2E_DIR = Path(__file__).resolve().parent


def _missing_requirement() -> str | None:
    if shutil.which("runc") is None:
        return "the e2e tests need runc (apt-get install runc)"
    if os.geteuid() != 0:
        return "the e2e tests need root (runc sandboxes)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every e2e test, with the reason, when the sandbox cannot run here.

    (A ``pytestmark`` in a conftest is ignored by pytest, so the skip is added here.)
    """
    reason = _missing_requirement()
    if reason is None:
        return
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Stack:
    url: str
    token: str
    env: dict[str, str]
    registry: str
    flower_url: str
    logs: Path

    def bencher(
        self, *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Run the `bencher` CLI as a user would, against this stack (``env``: more variables,
        e.g. a CI's)."""
        env = {**self.env, "BENCHER_HOST": self.url, "BENCHER_API_TOKEN": self.token,
               "BENCHER_PROJECT": "demo", **(env or {})}  # fmt: skip
        return subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip


@pytest.fixture(scope="module")
def stack(_postgres, registry, tmp_path_factory):
    _postgres.truncate()
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    data = tmp_path_factory.mktemp("e2e")
    env = server_env(
        _postgres.url, data, BENCHER_REGISTRIES=registry.host, FLOWER_UNAUTHENTICATED_API="true"
    )
    with mock.patch.dict(os.environ, env):
        from app.serverctl import provision_embedded

        creds = provision_embedded()
    flower_port = free_port()
    beat = ("--beat", "--schedule", str(data / "beat"))
    with api_process(env, data / "api.log") as url, worker_process(env, data / "w.log", *beat):
        runner_log = open(data / "runner.log", "wb")  # noqa: SIM115
        runner = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "runner", "up", "--host", url,
             "--runner", creds.runner_slug, "--token", creds.runner_token,
             "--cache-dir", str(data / "cache"), "--work-dir", str(data / "work"),
             "--poll-timeout", "20"],
            cwd=REPO, env=env, stdout=runner_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        flower = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "flower", "--address=127.0.0.1",
             f"--port={flower_port}"],
            cwd=REPO, env=env, stdout=open(data / "flower.log", "wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until(lambda: b"waiting for jobs" in (data / "runner.log").read_bytes(), 30,
                       "runner start")  # fmt: skip
            yield Stack(url, creds.admin_token, env, registry.host,
                        f"http://127.0.0.1:{flower_port}", data)  # fmt: skip
        finally:
            stop(runner)
            stop(flower)
            runner_log.close()
