"""A real OCI registry for tests: Debian's ``docker-registry`` (CNCF distribution v2) on loopback.

Usage, as a context manager::

    with run_registry(tmp_path) as reg:
        push_image(reg.host, "acme/bench", "v1", image)      # reg.host == "127.0.0.1:PORT"
        requests.get(f"{reg.url}/v2/")                       # reg.url == "http://127.0.0.1:PORT"

or as the session-scoped pytest fixture ``registry`` (one registry for the whole run; use distinct
repository names per test). Make the fixture visible with ``pytest_plugins =
["tests.support.registry"]`` in a conftest.py, or ``from tests.support.registry import registry``.
The fixture skips only when the binary is missing (``apt-get install docker-registry``); any
other failure to start is an error. ``Registry.blob_path(digest)`` is where the registry stores a
blob, for tests that tamper with stored content.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from app.commands.registry import registry_config

REGISTRY_BINARY = os.environ.get("BENCHER_TEST_REGISTRY_BIN", "/usr/bin/docker-registry")
START_TIMEOUT = 10.0


@dataclass
class Registry:
    """A running registry: ``host`` is ``127.0.0.1:PORT``, ``url`` is ``http://`` + host."""

    host: str
    url: str
    storage: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def blob_path(self, digest: str) -> Path:
        """The file in which the registry keeps blob ``digest`` (filesystem driver layout)."""
        algorithm, hexdigest = digest.split(":", 1)
        return (
            self.storage / "docker/registry/v2/blobs" / algorithm / hexdigest[:2] / hexdigest
        ) / "data"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def run_registry(tmp_path: Path, timeout: float = START_TIMEOUT) -> Iterator[Registry]:
    """Start a registry with storage under ``tmp_path``; stop it on exit.

    Waits at most ``timeout`` seconds for ``GET /v2/`` to answer, then raises ``RuntimeError``
    quoting the registry's log. Raises ``FileNotFoundError`` if the binary is missing.
    """
    if not os.access(REGISTRY_BINARY, os.X_OK):
        raise FileNotFoundError(f"{REGISTRY_BINARY} not found: apt-get install docker-registry")
    tmp_path = Path(tmp_path)
    storage = tmp_path / "registry-storage"
    storage.mkdir(parents=True, exist_ok=True)
    log_path = tmp_path / "registry.log"
    registry = None
    # The free port is found by binding and releasing it, so another process can take it in
    # between: a registry that exits at once is retried on a new port (bounded).
    for _attempt in range(3):
        registry = _start(tmp_path, storage, log_path)
        try:
            _wait_ready(registry, timeout)
            break
        except RuntimeError:
            exited_early = registry.process.poll() is not None
            _stop(registry)
            if not exited_early or _attempt == 2:
                raise
    assert registry is not None
    try:
        yield registry
    finally:
        _stop(registry)


def _start(tmp_path: Path, storage: Path, log_path: Path) -> Registry:
    port = _free_port()
    config = tmp_path / "registry-config.yml"
    config.write_text(registry_config(storage, port, "bencher-test-only-secret", "test"))
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    host = f"127.0.0.1:{port}"
    return Registry(host, f"http://{host}", storage, log_path, process)


def _stop(registry: Registry) -> None:
    if registry.process.poll() is not None:
        return
    registry.process.terminate()
    try:
        registry.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        registry.process.kill()
        registry.process.wait(timeout=5)


def _wait_ready(registry: Registry, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            break
        try:
            if requests.get(f"{registry.url}/v2/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(
        f"docker-registry did not answer on {registry.url} within {timeout} s "
        f"(exit code {registry.process.poll()}); log:\n{registry.log_path.read_text()[-2000:]}"
    )


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """One registry for the test session; skipped only if the binary is not installed."""
    if not os.access(REGISTRY_BINARY, os.X_OK):
        pytest.skip(f"{REGISTRY_BINARY} is not installed (apt-get install docker-registry)")
    with run_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running
