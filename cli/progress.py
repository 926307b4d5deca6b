"""Progress on stderr: plain lines in logs and CI, a spinner on a terminal.

stdout is kept for data (the report table or JSON); everything here goes to stderr and
``--quiet`` silences it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

import click

from cli.display import status_word
from protocol.units import format_duration

_FRAMES = "|/-\\"
_TICK = 0.1


def elapsed(seconds: float) -> str:
    """``4.2s``, ``3m07s``, ``1h02m`` (the same words as every other program's durations)."""
    return format_duration(seconds)


class Progress:
    """Status lines and a spinner for one long-running command."""

    def __init__(
        self,
        quiet: bool = False,
        stream: TextIO | None = None,
        tty: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.quiet = quiet
        self._stream = stream
        stream = self.stream
        self.tty = stream.isatty() if tty is None else tty
        self.sleep = sleep
        self.clock = clock
        self.started = clock()
        self._status: str | None = None
        self._frame = 0
        self._spinning = False

    @property
    def stream(self) -> TextIO:
        # Looked up on every use so click's CliRunner (which swaps sys.stderr) sees the output.
        return self._stream or sys.stderr

    def elapsed(self) -> float:
        """Seconds since this progress started."""
        return self.clock() - self.started

    def note(self, message: str, force: bool = False) -> None:
        """A line on stderr (even when quiet if ``force``: errors and the job's output)."""
        if self.quiet and not force:
            return
        self._clear()
        click.echo(message, file=self.stream)

    def output(self, text: str) -> None:
        """The job's own live output, as it came (no newline added); silenced by quiet."""
        if self.quiet:
            return
        self._clear()
        click.echo(text, file=self.stream, nl=False)

    def status(self, status: str, detail: str = "") -> None:
        """Report a status change of the job with the elapsed time."""
        self._status = status
        text = f"[{elapsed(self.elapsed()):>6}] job {status_word(status)}"
        self.note(f"{text} {detail}".rstrip())

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, turning the spinner on a terminal."""
        if self.quiet or not self.tty or self._status is None:
            self.sleep(seconds)
            return
        end = self.clock() + seconds
        while (left := end - self.clock()) > 0:
            self._spin()
            self.sleep(min(_TICK, left))

    def done(self) -> None:
        """Remove the spinner line."""
        self._clear()

    def _spin(self) -> None:
        frame = _FRAMES[self._frame % len(_FRAMES)]
        self._frame += 1
        text = f"\r{frame} {status_word(self._status or '')} {elapsed(self.elapsed())}\x1b[K"
        self.stream.write(text)
        self.stream.flush()
        self._spinning = True

    def _clear(self) -> None:
        if self._spinning:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._spinning = False
