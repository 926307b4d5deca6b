"""Start the real server processes (gunicorn API, Celery worker) for tests, and stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def running(pid: int) -> bool:
    """Whether ``pid`` still runs; a killed orphan that nobody reaped yet (a zombie) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if not stat.parent.exists():
        return True  # no procfs: the signal check is all there is
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "BENCHER_DATABASE_URL": database_url,
            "BENCHER_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def wait_until(check, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def api_process(env: dict[str, str], log: Path, port: int | None = None, *, workers: int = 1,
                threads: int | None = None):  # fmt: skip
    """A gunicorn API on 127.0.0.1 (the production command); yields its base URL."""
    sizing = ["--workers", str(workers)] + (["--threads", str(threads)] if threads else [])
    port = port or free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
             "--bind", f"127.0.0.1:{port}", *sizing, "--graceful-timeout", "2",
             "app:create_app()"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def healthy():
        if process.poll() is not None:
            raise RuntimeError(f"API process exited: {log.read_text()[-3000:]}")
        try:
            return requests.get(f"{url}/v0/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(healthy, 30, "API start")
        yield url
    finally:
        stop(process)


@contextmanager
def worker_process(env: dict[str, str], log: Path, *extra_args: str):
    """A real ``celery -A tasks worker`` process; yields the Popen."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--loglevel=INFO",
             "--concurrency=1", "--pool=prefork", "--without-mingle", "--without-gossip",
             *extra_args],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(lambda: b"ready." in log.read_bytes(), 30, "worker start", 0.1)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
