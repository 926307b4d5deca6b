"""A job's stdout and stderr on disk, bounded across iterations, and fitted into the final message.

Holding every iteration's output in memory grew the runner to gigabytes (16 MiB of NUL bytes per
stream and iteration, six bytes each once JSON-escaped). Output is written to files instead,
under one cap for the whole job; past the cap only a bounded head and tail of each stream are
kept, so the final message still shows how each iteration started and ended. The final message
is then built from the files to fit the limit the server announced, keeping each text's head
and tail.
"""

from __future__ import annotations

import codecs
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protocol.output import encoded_size, fair_shares, fit_text

#: Default bytes of stdout + stderr kept on disk for one job, all iterations together.
DEFAULT_OUTPUT_CAP = 64 * 1024 * 1024
#: Bytes of a stream's end kept past the cap (in memory while it runs, then on disk).
TAIL_BYTES = 256 * 1024
#: Bytes of a stream's start kept even once the cap is spent, so every iteration shows both.
HEAD_BYTES = 64 * 1024
_READ = 1024 * 1024


class OutputBudget:
    """The bytes the job may still write to disk; shared by every stream of every iteration."""

    def __init__(self, total: int):
        self._left = total
        self._lock = threading.Lock()

    def take(self, wanted: int) -> int:
        """Reserve up to ``wanted`` bytes; returns how many were granted."""
        with self._lock:
            granted = min(wanted, self._left)
            self._left -= granted
            return granted


class StreamFile:
    """One stream of one iteration: a head file, and once the budget is spent, a kept tail."""

    def __init__(self, path: Path, budget: OutputBudget):
        self.path = path
        self.tail_path = path.with_name(path.name + ".tail")
        self.budget = budget
        self.size = 0
        self.dropped = 0
        self._handle = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._tail = bytearray()

    def write(self, data: bytes) -> None:
        """Append ``data``: to the file while the budget lasts, then to the bounded tail."""
        granted = 0
        if not self._tail:
            granted = max(self.budget.take(len(data)), min(len(data), HEAD_BYTES - self.size))
        if granted:
            self._handle.write(data[:granted])
            self.size += granted
        rest = data[granted:]
        if rest:
            self._tail += rest
            overflow = len(self._tail) - TAIL_BYTES
            if overflow > 0:
                del self._tail[:overflow]
                self.dropped += overflow

    def close(self) -> None:
        """Flush the head and move the kept tail to disk (memory stays bounded per stream)."""
        if self._handle.closed:
            return
        self._handle.close()
        if self._tail:
            self.tail_path.write_bytes(bytes(self._tail))
            self._tail = bytearray()

    def _tail_size(self) -> int:
        return self.tail_path.stat().st_size if self.tail_path.exists() else 0

    def encoded(self) -> int:
        """The escaped size of everything kept, read in slices (never the whole file at once)."""
        return _encoded_file(self.path) + _encoded_file(self.tail_path)

    def fitted(self, share: int) -> tuple[str, int]:
        """The kept text cut to ``share`` escaped bytes (head and tail), and the bytes dropped."""
        tail_size = self._tail_size()
        return _fit_file(self.path, self.size, self.tail_path, tail_size, self.dropped, share)


@dataclass
class IterationOutput:
    """What one iteration left: its exit code, its two streams and the requested files."""

    exit_code: int | None
    stdout: StreamFile
    stderr: StreamFile
    files: dict[str, Path] = field(default_factory=dict)


class JobOutput:
    """Creates each iteration's stream files and builds the final message's ``results``."""

    def __init__(self, directory: Path, cap: int = DEFAULT_OUTPUT_CAP, file_cap: int = 8 << 20):
        self.directory = directory
        self.budget = OutputBudget(cap)
        self.file_cap = file_cap
        self.iterations: list[IterationOutput] = []

    def streams(self, index: int) -> tuple[StreamFile, StreamFile]:
        """Fresh stdout and stderr files for iteration ``index`` (outside the job's mount).

        The directory is 0700 whatever the umask: the job directory above it must stay
        searchable by a user namespace's root, but the output is the job owner's alone.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        return (
            StreamFile(self.directory / f"{index}.stdout", self.budget),
            StreamFile(self.directory / f"{index}.stderr", self.budget),
        )

    def sink(self, stdout: StreamFile, stderr: StreamFile, also: Callable | None = None):
        """The executor's ``sink(stream, data)`` writing to these files (and to ``also``)."""
        files = {"stdout": stdout, "stderr": stderr}

        def write(stream: str, data: bytes) -> None:
            files[stream].write(data)
            if also is not None:
                also(stream, data)

        return write

    def results(self, budget: int) -> tuple[list[dict], int]:
        """Every iteration's output within ``budget`` JSON bytes; and the bytes dropped."""
        texts = [
            (i, key, name, source)
            for i, it in enumerate(self.iterations)
            for key, name, source in [("stdout", None, it.stdout), ("stderr", None, it.stderr)]
            + [("output", name, path) for name, path in it.files.items()]
        ]
        skeleton = [
            {"exit_code": it.exit_code, "stdout": "", "stderr": "", "output": {}}
            for it in self.iterations
        ]
        for i, it in enumerate(self.iterations):
            skeleton[i]["output"] = dict.fromkeys(it.files, "")
        room = max(budget - len(json.dumps(skeleton)), 0)
        sizes = [
            s.encoded() if isinstance(s, StreamFile) else _encoded_file(s, self.file_cap)
            for *_, s in texts
        ]
        dropped_total = sum(it.stdout.dropped + it.stderr.dropped for it in self.iterations)
        for (i, key, name, source), share in zip(texts, fair_shares(sizes, room), strict=True):
            if isinstance(source, StreamFile):
                text, dropped = source.fitted(share)
                dropped_total += dropped - source.dropped
                skeleton[i][key] = text
            else:
                size = source.stat().st_size
                skeleton[i][key][name], dropped = _fit_file(source, size, None, 0, 0, share)
                dropped_total += dropped
        return skeleton, dropped_total


def _fit_file(
    path: Path, size: int, tail_path: Path | None, tail_size: int, dropped: int, share: int
) -> tuple[str, int]:
    """A file's text (and its separately kept tail) cut to ``share`` escaped bytes.

    Reads at most ``share`` bytes from each end: an escaped byte is never smaller than a raw
    one, so that is always enough to fill the share.
    """
    if size + tail_size <= 2 * share:
        tail = _read(tail_path, 0, tail_size) if tail_path and tail_size else b""
        return fit_text(_decode(_read(path, 0, size)), _decode(tail), dropped, share)
    head = _read(path, 0, min(size, share))
    source, end = (tail_path, tail_size) if tail_path and tail_size else (path, size)
    tail = _read(source, max(end - share, len(head) if source == path else 0), end)
    between = size + tail_size + dropped - len(head) - len(tail)
    return fit_text(_decode(head), _decode(tail), between, share)


def _read(path: Path, start: int, end: int) -> bytes:
    if end <= start:
        return b""
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read(end - start)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _encoded_file(path: Path, limit: int | None = None) -> int:
    if not path.exists():
        return 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    total = read = 0
    with open(path, "rb") as handle:
        while limit is None or read < limit:
            chunk = handle.read(_READ if limit is None else min(_READ, limit - read))
            if not chunk:
                break
            read += len(chunk)
            total += encoded_size(decoder.decode(chunk))
    return total + encoded_size(decoder.decode(b"", final=True))
