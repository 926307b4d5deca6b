"""Supervise a child process: capped stdout/stderr capture, hard timeout and cancellation.

Shared by the executors so that every sandbox captures and stops jobs the same way.
"""

from __future__ import annotations

import os
import select
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

_READ_CHUNK = 64 * 1024
_POLL_INTERVAL = 0.05  # cancel and timeout are noticed within this, far below the 1 s promise
_READER_JOIN_TIMEOUT = 2.0


@dataclass
class Outcome:
    """What :func:`supervise` saw. ``returncode`` is ``128 + signal`` for a signalled process."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    truncated: bool
    timed_out: bool
    canceled: bool
    duration: float


Sink = Callable[[str, bytes], None]


class _CappedReader(threading.Thread):
    """Keeps the first ``cap`` bytes of a pipe and keeps draining the rest, so that a chatty
    process never blocks on a full pipe. With a ``sink``, every chunk goes to it instead (the
    runner writes it to disk and streams it live) and nothing is kept here."""

    def __init__(self, pipe: IO[bytes], cap: int, stream: str, sink: Sink | None) -> None:
        super().__init__(daemon=True)
        self._fd = pipe.fileno()
        self._cap = cap
        self._stream = stream
        self._sink = sink
        self._chunks: list[bytes] = []
        self._kept = 0
        self._lock = threading.Lock()
        self.truncated = False

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, _READ_CHUNK)
            except OSError:
                return
            if not chunk:
                return
            if self._sink is not None:
                self._sink(self._stream, chunk)
                continue
            with self._lock:
                room = self._cap - self._kept
                if room > 0:
                    self._chunks.append(chunk[:room])
                    self._kept += min(room, len(chunk))
                if len(chunk) > room:
                    self.truncated = True

    def value(self) -> bytes:
        with self._lock:
            return b"".join(self._chunks)


def supervise(
    proc: subprocess.Popen[bytes],
    *,
    stdout_cap: int,
    timeout: float,
    cancel: threading.Event,
    kill: Callable[[], None],
    started: float,
    kill_grace: float = 5.0,
    after_exit: Callable[[], None] | None = None,
    sink: Sink | None = None,
) -> Outcome:
    """Wait for ``proc`` while collecting its piped stdout and stderr.

    When ``timeout`` seconds have passed since ``started`` (a ``time.monotonic()`` value) or
    ``cancel`` is set, ``kill()`` is called; if ``proc`` is still alive ``kill_grace`` seconds
    later it gets SIGKILL itself. ``after_exit()``, if given, runs once ``proc`` has ended and
    before the pipes are drained (the process executor kills leftover children there). Readers
    still blocked after the process ended (a daemonised grandchild holding the pipe) are
    abandoned with what they read so far. With ``sink``, output goes to ``sink(stream, chunk)``
    as it arrives and the outcome's ``stdout``/``stderr`` are empty.
    """
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        _CappedReader(proc.stdout, stdout_cap, "stdout", sink),
        _CappedReader(proc.stderr, stdout_cap, "stderr", sink),
    ]
    for reader in readers:
        reader.start()
    deadline = started + timeout
    timed_out = canceled = False
    exit_fd = _open_exit_fd(proc)
    try:
        while proc.poll() is None:
            if cancel.is_set():
                canceled = True
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            _wait_exit(exit_fd, cancel, min(_POLL_INTERVAL, remaining))
    finally:
        if exit_fd is not None:
            os.close(exit_fd)
    if proc.returncode is None:
        kill()
        try:
            proc.wait(timeout=kill_grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=kill_grace)
    duration = time.monotonic() - started
    if after_exit is not None:
        after_exit()
    for reader in readers:
        reader.join(timeout=_READER_JOIN_TIMEOUT)
    if not any(reader.is_alive() for reader in readers):
        # Only close once nobody reads: closing an fd under a blocked reader could let the
        # number be reused and read by the wrong thread.
        proc.stdout.close()
        proc.stderr.close()
    return Outcome(
        returncode=exit_status(proc.returncode),
        stdout=readers[0].value(),
        stderr=readers[1].value(),
        truncated=any(reader.truncated for reader in readers),
        timed_out=timed_out,
        canceled=canceled,
        duration=duration,
    )


def _open_exit_fd(proc: subprocess.Popen[bytes]) -> int | None:
    """A pidfd that becomes readable when ``proc`` exits, or None where the kernel or Python
    has none. Opened before the first ``poll()`` reaps the child, so the pid cannot have been
    reused yet."""
    try:
        return os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return None


def _wait_exit(exit_fd: int | None, cancel: threading.Event, interval: float) -> None:
    """Sleep up to ``interval``, waking the moment the process exits (pidfd) rather than at
    the next tick: the job's end is noticed at once, cancel and timeout still every tick."""
    if exit_fd is None:
        cancel.wait(interval)
        return
    select.select([exit_fd], [], [], interval)


def exit_status(returncode: int | None) -> int | None:
    """Popen's ``-signal`` as the shell's ``128 + signal``."""
    if returncode is not None and returncode < 0:
        return 128 + (-returncode)
    return returncode


def decode(data: bytes) -> str:
    """Job output as text; invalid UTF-8 (or a character cut by the cap) becomes U+FFFD."""
    return data.decode("utf-8", errors="replace")
