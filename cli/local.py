"""Run a benchmark command on this machine: stream its output live, capture its stdout.

The command's stderr goes straight to ours (passthrough, colours intact); its stdout is read
through a pipe, echoed to our stderr as it arrives (our stdout is reserved for the report) and
kept for the adapter. The command runs in its own process group so that a timeout or Ctrl-C
can stop everything it started, not only the shell.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_READ = 65536
_KILL_GRACE = 5.0
_DRAIN = 5.0


@dataclass(frozen=True)
class Finished:
    """One iteration of the command: its exit code (None if it timed out) and its stdout."""

    exit_code: int | None
    stdout: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the command's process group, then SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, _KILL_GRACE), (signal.SIGKILL, _KILL_GRACE)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_command(
    command: str | list[str],
    *,
    echo: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Finished:
    """Run ``command`` once (a string runs in the shell, a list is an argv).

    ``echo`` receives stdout text as it arrives. After ``timeout`` seconds the command is
    stopped and ``exit_code`` is None. Ctrl-C (KeyboardInterrupt) stops it and propagates.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        shell=isinstance(command, str),
        stdout=subprocess.PIPE,
        process_group=0,
    )
    chunks: list[bytes] = []

    def pump() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        fd = proc.stdout.fileno()
        while chunk := os.read(fd, _READ):
            chunks.append(chunk)
            if echo:
                echo(decoder.decode(chunk))
        if echo and (tail := decoder.decode(b"", final=True)):
            echo(tail)

    # A daemon thread: a background process the command left behind may hold the pipe open.
    reader = threading.Thread(target=pump, name="bencher-stdout", daemon=True)
    reader.start()
    exit_code: int | None
    try:
        exit_code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        exit_code = None
    except BaseException:
        _stop(proc)
        raise
    reader.join(_DRAIN)
    if not reader.is_alive():  # else the reader still owns the pipe; closing it would race
        proc.stdout.close()
    stdout = b"".join(chunks).decode("utf-8", "replace")
    return Finished(exit_code, stdout, time.monotonic() - started)
