"""The process supervisor of ``bencher server up``: port checks, the data-directory lock, the
checks that what answers on a port is our child, and the stop order, with real processes and
sockets on loopback."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis

from app.commands.supervisor import (
    DataDirLock,
    StartError,
    Supervisor,
    api_answers,
    check_ports,
    http_answers,
    redis_answers,
    wait_until,
)
from tests.support.processes import wait_until as wait_for
from tests.support.settings import TEST_REDIS_URL

BOUND = 30.0  # only turns a hang into a failure

# A child that logs each signal to EVENTS and exits on SIGTERM, once the file says AFTER (if
# given): argv = NAME EVENTS [AFTER].
CHILD = """
import pathlib, signal, sys, time
name, events = sys.argv[1], pathlib.Path(sys.argv[2])
after = sys.argv[3] if len(sys.argv) > 3 else None
def log(text):
    with open(events, "a") as out:
        out.write(text + "\\n")
def term(*_):
    log(name + " term")
    deadline = time.monotonic() + 20
    while after and after not in events.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)
    log(name + " exit")
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
log(name + " ready")
while True:
    signal.pause()
"""
STUBBORN = """
import pathlib, signal, sys
signal.signal(signal.SIGTERM, lambda *_: pathlib.Path(sys.argv[1]).write_text("ignored"))
pathlib.Path(sys.argv[1] + ".ready").write_text("ready")
while True:
    signal.pause()
"""


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_port_in_use_is_named_with_the_option_that_changes_it():
    with _listening_socket() as held:
        port = held.getsockname()[1]
        with pytest.raises(StartError) as err:
            check_ports({"the registry": (_free_port(), "--registry-port"),
                         "the API": (port, "--port")})  # fmt: skip
    assert str(err.value) == (
        f"port {port} on 127.0.0.1 (the API) is already in use: stop what holds it, or choose "
        "another port with --port"
    )
    check_ports({"the API": (port, "--port")})  # free again once the socket is closed


def test_the_same_port_twice_is_refused():
    port = _free_port()
    with pytest.raises(StartError, match=f"port {port} is given for both the API and Flower"):
        check_ports({"the API": (port, "--port"), "Flower": (port, "--flower-port")})


def test_one_up_per_data_directory(tmp_path):
    first, second = DataDirLock(tmp_path), DataDirLock(tmp_path)
    assert first.holder() is None
    first.acquire()
    try:
        assert first.holder() == second.holder() == str(os.getpid())
        with pytest.raises(StartError, match="another `bencher server up` \\(pid \\d+\\) is using"):
            second.acquire()
    finally:
        first.release()
    assert second.holder() is None
    second.acquire()
    second.release()


class _Health(http.server.BaseHTTPRequestHandler):
    instance = "someone-else"

    def do_GET(self):  # noqa: N802 (the http.server API)
        body = json.dumps({"status": "ok", "instance": self.instance}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Bencher-Instance", self.instance)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_api_answering_with_another_instance_id_is_not_ours(other_server):
    with pytest.raises(StartError) as err:
        api_answers(f"{other_server}/v0/health", "ours", "--port")()
    assert str(err.value) == (
        f"something else answers on {other_server}/v0/health (not this server): choose another "
        "port with --port"
    )
    assert api_answers(f"{other_server}/v0/health", "someone-else", "--port")() is True
    assert api_answers(f"http://127.0.0.1:{_free_port()}/v0/health", "ours", "--port")() is False


def test_a_registry_without_our_header_is_not_ours(other_server):
    check = http_answers(f"{other_server}/v2/", "X-Bencher-Instance", "ours", "--registry-port")
    with pytest.raises(StartError, match="something else answers .* with --registry-port"):
        check()
    assert http_answers(f"{other_server}/v2/", "X-Bencher-Instance", "someone-else", "x")()


@pytest.mark.redis
def test_a_redis_with_another_pid_is_not_ours():
    port = urlparse(TEST_REDIS_URL).port or 6379
    pid = redis.Redis.from_url(TEST_REDIS_URL).info("server")["process_id"]
    assert redis_answers(port, pid)() is True
    with pytest.raises(StartError, match=f"another Redis \\(pid {pid}\\) answers on port {port}"):
        redis_answers(port, pid + 1)()


def _python(supervisor: Supervisor, name: str, script: str, *args: str, **kw):
    return supervisor.start(name, [sys.executable, "-c", script, *args], **kw)


def test_children_stop_in_parallel_except_after_those_they_wait_for(tmp_path):
    events = tmp_path / "events"
    events.touch()
    supervisor = Supervisor(tmp_path / "logs", {})
    # "runner" exits only once "worker" has its SIGTERM: both are signaled at once.
    _python(supervisor, "runner", CHILD, "runner", str(events), "worker term")
    _python(supervisor, "worker", CHILD, "worker", str(events))
    _python(supervisor, "api", CHILD, "api", str(events), stop_after=("runner",))
    _python(
        supervisor, "redis", CHILD, "redis", str(events), stop_after=("runner", "api", "worker")
    )
    wait_for(lambda: events.read_text().count("ready") == 4, BOUND, "the children to start")
    supervisor.stop_all(timeout=BOUND)
    order = [line for line in events.read_text().splitlines() if "ready" not in line]
    assert order.index("worker term") < order.index("runner exit")  # in parallel
    assert order.index("runner exit") < order.index("api term")  # the API outlives the runner
    assert order.index("api exit") < order.index("redis term")  # Redis goes last
    assert order.index("worker exit") < order.index("redis term")
    assert supervisor.children == []


def test_a_second_ctrl_c_kills_what_ignores_the_first(tmp_path):
    marker = tmp_path / "stubborn"
    supervisor = Supervisor(tmp_path / "logs", {})
    child = _python(supervisor, "stubborn", STUBBORN, str(marker))
    wait_for(Path(f"{marker}.ready").exists, BOUND, "the child to start")
    hurry = threading.Event()
    waiter = threading.Thread(
        target=lambda: wait_for(marker.exists, BOUND, "the SIGTERM") and hurry.set(), daemon=True
    )
    waiter.start()
    supervisor.stop_all(timeout=600, hurry=hurry)  # only the second "Ctrl-C" can end this
    assert child.process.returncode == -signal.SIGKILL
    assert marker.read_text() == "ignored"


def test_a_child_that_dies_while_starting_is_reported_with_its_log(tmp_path):
    supervisor = Supervisor(tmp_path / "logs", {})
    child = supervisor.start(
        "api", [sys.executable, "-c", "import sys; print('cannot bind'); sys.exit(3)"]
    )
    with pytest.raises(StartError) as err:
        wait_until(child, lambda: False, "answer", BOUND, threading.Event())
    assert str(err.value).startswith("api exited with code 3 while starting; see ")
    assert str(err.value).endswith("\n    cannot bind")
    supervisor.stop_all()


def test_ctrl_c_ends_a_wait_at_once(tmp_path):
    supervisor = Supervisor(tmp_path / "logs", {})
    child = _python(supervisor, "slow", "import time; time.sleep(60)")
    stop = threading.Event()
    stop.set()
    with pytest.raises(KeyboardInterrupt):
        wait_until(child, lambda: False, "answer", 600, stop)
    supervisor.stop_all()
    assert child.process.returncode == -signal.SIGTERM


def test_a_stop_delay_is_asked_once_the_children_before_have_exited(tmp_path, caplog):
    events = tmp_path / "events"
    events.touch()
    supervisor = Supervisor(tmp_path / "logs", {})
    runner = _python(supervisor, "runner", CHILD, "runner", str(events))
    api = _python(supervisor, "api", CHILD, "api", str(events), stop_after=("runner",))
    asked = []

    def delay() -> float:
        asked.append(runner.process.poll())  # the runner has exited by now
        return 0.2 if "runner" in (events.read_text()) else 0.0

    api.stop_delay = delay
    wait_for(lambda: events.read_text().count("ready") == 2, BOUND, "the children to start")
    with caplog.at_level("INFO", logger="app.commands.supervisor"):
        supervisor.stop_all(timeout=BOUND)
    assert asked == [0]
    assert "api stops in 0.2 s" in caplog.text
    order = [line for line in events.read_text().splitlines() if "ready" not in line]
    assert order == ["runner term", "runner exit", "api term", "api exit"]
