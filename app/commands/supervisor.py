"""Start, watch and stop the processes of ``bencher server up`` (embedded mode).

Every child runs in its own session, so a Ctrl-C in the terminal reaches only ``up``, which
then stops the children in parallel, except that a child waits for those named in its
``stop_after``: the API outlives the runner (which reports the job it cancels through it), and
Redis outlives everything (the worker acknowledges its last task through it). Stopping in
parallel is what keeps an idle shutdown under two seconds.

Before anything starts, :func:`check_ports` makes sure every port is free, and the ``wait_*``
helpers confirm that what answers on a port is the child that was started for it.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

log = logging.getLogger(__name__)
_POLL = 0.05


class StartError(RuntimeError):
    """A child could not start, or something else answered in its place; the message says
    which and what to do."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path
    #: Names of the children that must have exited before this one is stopped.
    stop_after: tuple[str, ...] = ()
    stop_signal: int = signal.SIGTERM
    #: Size of the log before this child started: logs are kept across runs of ``up``.
    log_offset: int = 0
    #: Seconds to wait, once the children in ``stop_after`` have exited, before stopping this
    #: one (asked at that moment).
    stop_delay: Callable[[], float] | None = None
    #: Size of the log when this child was told to stop.
    stop_offset: int | None = None

    def log_text(self, since_stop: bool = False) -> str:
        """What this child has logged in this run (or since it was told to stop)."""
        offset = self.stop_offset if since_stop and self.stop_offset is not None else None
        try:
            with open(self.log, "rb") as handle:
                handle.seek(self.log_offset if offset is None else offset)
                return handle.read().decode(errors="replace")
        except OSError:
            return ""


@dataclass
class Supervisor:
    """Starts children with their output in ``log_dir/<name>.log`` and stops them in phases."""

    log_dir: Path
    env: dict[str, str]
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        stop_after: tuple[str, ...] = (),
        secrets: dict[str, str] | None = None,
        umask: int = -1,
    ) -> Child:
        """Start ``argv`` as child ``name``; ``secrets`` go into its environment only, which
        other users cannot read, unlike its command line (``ps``, ``/proc/PID/cmdline``).
        ``umask`` replaces this process's for the child (-1: inherit it)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as out:
            offset = out.tell()
            process = subprocess.Popen(
                argv, env={**self.env, **(secrets or {})}, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, umask=umask,
            )  # fmt: skip
        child = Child(name, process, log, stop_after, log_offset=offset)
        self.children.append(child)
        return child

    def python(
        self,
        name: str,
        *args: str,
        stop_after: tuple[str, ...] = (),
        secrets: dict[str, str] | None = None,
        umask: int = -1,
    ) -> Child:
        """Start ``python -m ARGS`` with this interpreter."""
        argv = [sys.executable, "-m", *args]
        return self.start(name, argv, stop_after=stop_after, secrets=secrets, umask=umask)

    def failed(self) -> Child | None:
        """The first child that exited on its own, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop_all(self, timeout: float = 20, hurry: threading.Event | None = None) -> None:
        """Stop every child, each once the children in its ``stop_after`` have exited, all the
        others in parallel. A child still running ``timeout`` seconds after its signal, or once
        ``hurry`` is set (a second Ctrl-C), is killed."""
        hurry = hurry or threading.Event()
        alive = {c.name: c for c in self.children if c.process.poll() is None}
        signaled: dict[str, float] = {}
        due: dict[str, float] = {}  # when a child whose stop_after have exited is stopped
        while alive:
            now = time.monotonic()
            for name, child in alive.items():
                if name not in signaled and not any(d in alive for d in child.stop_after):
                    if name not in due:
                        delay = child.stop_delay() if child.stop_delay else 0.0
                        if delay > 0:
                            log.info("%s stops in %.1f s", name, delay)
                        due[name] = now + delay
                    if now >= due[name] or hurry.is_set():
                        child.stop_offset = _size(child.log)
                        _signal(child, child.stop_signal)
                        signaled[name] = now
                elif name in signaled and (hurry.is_set() or now - signaled[name] >= timeout):
                    log.warning("%s did not stop in time: killed", name)
                    _signal(child, signal.SIGKILL)
            hurry.wait(_POLL)
            for name, child in list(alive.items()):
                if child.process.poll() is not None:
                    took = time.monotonic() - signaled.get(name, now)
                    log.info("%s stopped in %.2f s (exit code %s)", name, took,
                             child.process.returncode)  # fmt: skip
                    del alive[name]
        self.children.clear()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _signal(child: Child, sig: int) -> None:
    try:
        os.killpg(child.process.pid, sig)
    except ProcessLookupError:
        pass  # already gone


def log_tail(child: Child, lines: int = 5) -> str:
    """The last lines the child logged, indented, for an error message."""
    text = child.log_text().strip().splitlines()[-lines:]
    return "".join(f"\n    {line}" for line in text)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether binding ``host:port`` fails because something holds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Like the servers we start: a port in TIME_WAIT is free for them, so it is free here.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def check_ports(ports: dict[str, tuple[int, str]]) -> None:
    """``{"the API": (6610, "--port"), ...}``: a :class:`StartError` naming the first port that
    is taken (or given twice) and the option that changes it."""
    seen: dict[int, str] = {}
    for what, (port, option) in ports.items():
        if port in seen:
            raise StartError(
                f"port {port} is given for both {seen[port]} and {what}: choose another {option}"
            )
        seen[port] = what
        if port_in_use(port):
            raise StartError(
                f"port {port} on 127.0.0.1 ({what}) is already in use: stop what holds it, "
                f"or choose another port with {option}"
            )


class DataDirLock:
    """An exclusive lock on the data directory for the lifetime of one ``up``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "server.lock"
        self._handle = None

    def acquire(self) -> None:
        handle = open(self.path, "a+")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StartError(
                f"another `bencher server up` (pid {holder}) is using {self.path.parent}: stop "
                "it first, or set BENCHER_DATA_DIR to another directory"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def holder(self) -> str | None:
        """The pid of the ``up`` holding the lock, or None when it is free."""
        try:
            with open(self.path) as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return handle.read().strip() or "unknown"
        except FileNotFoundError:
            pass
        return None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the flock
            self._handle = None


def wait_until(child: Child, ready: Callable[[], bool], what: str, timeout: float,
               stop: threading.Event) -> None:  # fmt: skip
    """Poll ``ready`` until it is true; a :class:`StartError` when the child exits first or
    ``timeout`` passes. ``stop`` (Ctrl-C) ends the wait at once with KeyboardInterrupt."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stop.is_set():
            raise KeyboardInterrupt
        if child.process.poll() is not None:
            raise StartError(
                f"{child.name} exited with code {child.process.returncode} while starting; "
                f"see {child.log}{log_tail(child)}"
            )
        if ready():
            return
        stop.wait(_POLL)
    raise StartError(f"{child.name} did not {what} within {timeout:.0f} s; see {child.log}")


def api_answers(url: str, instance: str, port_option: str) -> Callable[[], bool]:
    """A readiness check: ``/v0/health`` answers 200 with our instance id. Another instance id
    means another server took the port after it was checked."""

    def ready() -> bool:
        try:
            response = requests.get(url, timeout=1)
        except requests.RequestException:
            return False
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        found = answer.get("instance") if isinstance(answer, dict) else None
        if response.status_code == 200 and found == instance:
            return True
        if found != instance and response.status_code < 500:
            raise StartError(
                f"something else answers on {url} (not this server): choose another port with "
                f"{port_option}"
            )
        return False

    return ready


def redis_answers(port: int, pid: int) -> Callable[[], bool]:
    """A readiness check: Redis on ``port`` answers and is process ``pid``."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1)

    def ready() -> bool:
        try:
            found = client.info("server").get("process_id")
        except redis.RedisError:
            return False
        if found != pid:
            raise StartError(
                f"another Redis (pid {found}) answers on port {port}: choose another port with "
                "--redis-port"
            )
        return True

    return ready


def http_answers(url: str, header: str, value: str, option: str) -> Callable[[], bool]:
    """A readiness check: ``url`` answers with response header ``header: value``."""

    def ready() -> bool:
        try:
            response = requests.get(url, timeout=1)
        except requests.RequestException:
            return False
        if response.headers.get(header) == value:
            return True
        raise StartError(f"something else answers on {url}: choose another port with {option}")

    return ready


def log_says(child: Child, text: str) -> Callable[[], bool]:
    """A readiness check: the child has logged ``text`` (in this run)."""
    return lambda: text in child.log_text()


def flower_answers(url: str) -> Callable[[], bool]:
    """A readiness check: Flower's health check answers (its port was free before it started,
    and :func:`wait_until` checks that the child still runs)."""

    def ready() -> bool:
        try:
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    return ready
