"""`bencher server up` as a newcomer meets it: the `Try:` line it prints works as printed, a
port in use is refused before anything starts, Ctrl-C cancels a running job and stops
everything, and a second `up` keeps the data."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from app.commands.runner_dir import default_runner_dir
from tests.support.processes import REPO, free_port, wait_until

BENCHER = str(Path(sys.executable).parent / "bencher")


@dataclass
class Up:
    process: subprocess.Popen
    stdout: str
    stderr: Path
    ports: dict[str, int]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['--port']}"

    def exported(self, name: str) -> str:
        return re.search(rf"^export {name}=(\S+)$", self.stdout, re.M).group(1)

    def try_line(self) -> str:
        return self.stdout.split("Try:\n", 1)[1].splitlines()[0].strip()

    def stop(self) -> int:
        """Ctrl-C, as a terminal sends it; the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHER_")}
    env["BENCHER_DATA_DIR"] = str(data)
    return env


def _ports() -> dict[str, int]:
    return {"--port": free_port(), "--redis-port": free_port(), "--registry-port": free_port()}


def _args(ports: dict[str, int]) -> list[str]:
    return [str(x) for pair in ports.items() for x in pair]


def up(tmp_path: Path, ports: dict[str, int] | None = None, *extra: str) -> Up:
    """Start `bencher server up` and read its stdout until it is ready."""
    ports = ports or _ports()
    env = _env(tmp_path / "data")
    stderr = tmp_path / f"up-{len(list(tmp_path.glob('up-*')))}.stderr"
    with open(stderr, "w") as err:
        process = subprocess.Popen(
            [BENCHER, "server", "up", *_args(ports), *extra], cwd=REPO, env=env,
            stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True,
        )  # fmt: skip
    lines = []
    for line in process.stdout:  # ends when `up` exits; it prints "Press Ctrl-C" when ready
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return Up(process, "".join(lines), stderr, ports, env)
    raise AssertionError(f"server up exited with {process.wait(timeout=60)}: {stderr.read_text()}")


@pytest.fixture(autouse=True)
def _no_runner_dir_left(tmp_path):
    """As root, `up` keeps its runner in /var/lib/bencher-runner/<key>: remove the test's."""
    yield
    shutil.rmtree(default_runner_dir(tmp_path / "data"), ignore_errors=True)


@pytest.fixture
def running(tmp_path):
    server = up(tmp_path)
    yield server
    server.stop()


def test_the_try_line_works_exactly_as_printed(running, tmp_path):
    lines = running.stdout.splitlines()
    registry = f"127.0.0.1:{running.ports['--registry-port']}"
    assert lines[0].startswith(f"Bencher is up at {running.url}")
    assert f"  registry  {registry}" in running.stdout
    assert f"  console   {running.url}/console/" in running.stdout
    # Under the data directory's 0700 parents, jobs would run as host root.
    runner_dir = default_runner_dir(tmp_path / "data")
    assert f"(runc sandbox, jobs in a user namespace; files in {runner_dir})" in running.stdout
    assert requests.get(f"{running.url}/console/projects/demo/perf", timeout=10).ok
    assert running.try_line().endswith(
        f"run --project demo --image {registry}/demo/bench:v1 --adapter json"
    )
    stderr = running.stderr.read_text()
    assert "INFO" not in stderr and "alembic" not in stderr  # migrations log to the logs dir

    # A new shell: the printed exports, then the Try line, with bencher not on PATH.
    block = running.stdout.split("In another shell:\n", 1)[1].split("\n\nPress Ctrl-C")[0]
    script = "\n".join(line.strip() for line in block.splitlines() if line.strip() != "Try:")
    shell = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/sh", "-c", script], env=shell, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Latency (µs)" in done.stdout.splitlines()
    table = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()
             if line.startswith(("parse/", "render/"))}  # fmt: skip
    assert table == {"parse/small": "1.2", "parse/large": "98", "render/page": "45.5"}
    summary = done.stdout.splitlines()[-1]
    assert summary.startswith("3 benchmarks, 1 measure, 1 iteration: no alerts")


def test_without_registry_and_runner_the_try_line_is_a_local_run_that_works(tmp_path):
    ports = _ports()
    del ports["--registry-port"]
    server = up(tmp_path, ports, "--no-registry", "--no-runner")
    try:
        assert "  registry  " not in server.stdout
        assert "runner    none (--no-runner)" in server.stdout
        exports = "\n".join(line for line in server.stdout.splitlines()
                            if line.startswith("export "))  # fmt: skip
        done = subprocess.run(["/bin/sh", "-c", f"{exports}\n{server.try_line()}"],
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        assert server.stop() == 0
    assert done.returncode == 0, done.stderr
    assert "Latency (µs)" in done.stdout.splitlines() and "hello" in done.stdout


def test_a_second_up_on_the_same_ports_fails_naming_the_port(running, tmp_path):
    health = requests.get(f"{running.url}/v0/health", timeout=10).json()
    second = subprocess.run(
        [BENCHER, "server", "up", *_args(running.ports)], cwd=REPO, env=running.env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr.startswith(
        f"Error: port {running.ports['--port']} on 127.0.0.1 (the API) is already in use: stop "
        "what holds it, or choose another port with --port (`bencher server up`, pid "
        f"{running.process.pid}, already runs on {running.env['BENCHER_DATA_DIR']})"
    )
    assert requests.get(f"{running.url}/v0/health", timeout=10).json() == health  # untouched


@pytest.mark.parametrize("option", ["--port", "--flower-port"])
def test_a_port_held_by_another_program_stops_up_before_it_starts_anything(tmp_path, option):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        ports = {**_ports(), option: port}
        extra = ["--flower"] if option == "--flower-port" else []
        done = subprocess.run(
            [BENCHER, "server", "up", *_args(ports), *extra], cwd=REPO,
            env=_env(tmp_path / "data"), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    what = "the API" if option == "--port" else "Flower"
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: port {port} on 127.0.0.1 ({what}) is already in use: stop what holds it, or "
        f"choose another port with {option}\n"
    )
    assert not (tmp_path / "data" / "logs").exists()  # no process was started


def _job_row(data: Path) -> tuple[str, str | None]:
    with sqlite3.connect(data / "bencher.db") as db:
        return db.execute("SELECT status, cancel_reason FROM job").fetchone()


def test_ctrl_c_cancels_a_running_job_then_a_second_up_keeps_the_data(tmp_path):
    server = up(tmp_path)
    bencher = {**server.env, "BENCHER_HOST": server.url, "BENCHER_PROJECT": "demo",
               "BENCHER_API_TOKEN": server.exported("BENCHER_API_TOKEN")}  # fmt: skip
    image = re.search(r"--image (\S+)", server.try_line()).group(1)
    try:
        detached = subprocess.run(
            [BENCHER, "run", "--detach", "--image", image, "--cmd", "sleep 600"],
            env=bencher, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert detached.returncode == 0, detached.stderr
        job = detached.stdout.strip()

        def status() -> str:
            view = subprocess.run([BENCHER, "job", "view", job[:8]], env=bencher,
                                  capture_output=True, text=True, timeout=60)  # fmt: skip
            return re.search(r"^Status: +(\S+)", view.stdout, re.M).group(1)

        wait_until(lambda: status() == "running", 120, "the job to run", interval=0.5)
    finally:
        assert server.stop() == 0
    stderr = server.stderr.read_text()
    assert re.search(r"stopped in \d+\.\d s; data kept in ", stderr), stderr
    data = Path(server.env["BENCHER_DATA_DIR"])
    assert _job_row(data) == ("canceled", "canceled by runner")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/v0/health", timeout=2)

    again = up(tmp_path, server.ports)
    bencher["BENCHER_API_TOKEN"] = again.exported("BENCHER_API_TOKEN")
    try:
        view = subprocess.run([BENCHER, "job", "view", job], env=bencher, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        assert view.returncode == 0 and "canceled by runner" in view.stdout
        old_token = server.exported("BENCHER_API_TOKEN")
        assert bencher["BENCHER_API_TOKEN"] != old_token
        revoked = {"Authorization": f"Bearer {old_token}"}
        stale = requests.get(f"{again.url}/v0/tokens", headers=revoked, timeout=10)
        assert stale.status_code == 401  # each start revokes the token the last one printed
    finally:
        assert again.stop() == 0
    assert shlex.split(again.try_line())[1:3] == ["run", "--project"]
