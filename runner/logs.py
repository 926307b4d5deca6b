"""Live job output: batch what the job prints and send it as ``log`` messages while it runs.

The live log is for watching a job; the final ``completed``/``failed`` message stays the
authoritative output. So this side never waits: batches go out without acknowledgement (the
heartbeat ack's ``log_seq`` confirms them), a reconnect resends what was not confirmed, and a
job that prints faster than :data:`MAX_PENDING` per batch interval has the excess skipped from
the live view (saying so) rather than queued without bound.
"""

from __future__ import annotations

import codecs
import logging
import threading
import time
from dataclasses import dataclass

from protocol.runner import MAX_LOG_TEXT
from runner.api import ApiRefused, ChannelClosed, JobChannel

log = logging.getLogger("bencher.runner")

#: Seconds between batches, and bytes that make a batch go out at once.
BATCH_INTERVAL = 0.1
BATCH_BYTES = 16 * 1024
#: Bytes a stream may have waiting for the next batch; past it new output is skipped live.
MAX_PENDING = 256 * 1024
#: Sent batches kept until the server confirms them (for a resend after a reconnect).
RETAIN_BYTES = 4 * 1024 * 1024
#: Seconds between two attempts to reopen a lost channel.
RECONNECT_DELAY = 1.0


@dataclass
class _Batch:
    seq: int
    stream: str
    text: str

    def message(self) -> dict:
        return {"event": "log", "seq": self.seq, "stream": self.stream, "text": self.text}


class LogStreamer:
    """Collects a job's output (:meth:`feed`) and sends numbered batches from its own thread."""

    def __init__(self, channel: JobChannel, interval: float = BATCH_INTERVAL):
        self.channel = channel
        self.interval = interval
        self.seq = 0
        self.confirmed = 0
        self._pending: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._skipped = {"stdout": 0, "stderr": 0}
        self._decoders = {
            name: codecs.getincrementaldecoder("utf-8")(errors="replace") for name in self._pending
        }
        self._retained: list[_Batch] = []
        self._retained_bytes = 0
        self._generation = channel.generation
        self._next_connect = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bencher-logs", daemon=True)

    def start(self) -> LogStreamer:
        self._thread.start()
        return self

    def feed(self, stream: str, data: bytes) -> None:
        """Queue ``data`` printed on ``stream``; never blocks the job's output readers."""
        with self._lock:
            pending = self._pending[stream]
            room = MAX_PENDING - len(pending)
            if room < len(data):
                self._skipped[stream] += len(data) - max(room, 0)
                data = data[: max(room, 0)]
            pending += data
            full = len(pending) >= BATCH_BYTES
        if full:
            self._wake.set()

    def confirm(self, seq: int | None) -> None:
        """The server has stored every batch up to ``seq`` (from a heartbeat ack)."""
        if seq is None:
            return
        with self._lock:
            self.confirmed = max(self.confirmed, int(seq))
            while self._retained and self._retained[0].seq <= self.confirmed:
                self._retained_bytes -= len(self._retained.pop(0).text)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is left and stop (waiting at most ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            # Read after the wait: read before it, close() would wake one flush that does not
            # stop and then wait a whole interval more before the job's end can be reported.
            stopping = self._stop.is_set()
            try:
                self._flush()
            except Exception:  # the live log must never take the job down
                log.exception("live log: batch not sent")
            if stopping:
                return

    def _flush(self) -> None:
        batches = self._take()
        if self.channel.generation != self._generation:
            self._resend()
        for batch in batches:
            self._send(batch)

    def _take(self) -> list[_Batch]:
        batches = []
        with self._lock:
            for stream, pending in self._pending.items():
                text = self._decoders[stream].decode(bytes(pending))
                pending.clear()
                if self._skipped[stream]:
                    skipped, self._skipped[stream] = self._skipped[stream], 0
                    text += f"\n[bencher: {skipped} bytes not shown live]\n"
                for start in range(0, len(text), MAX_LOG_TEXT):
                    self.seq += 1
                    batch = _Batch(self.seq, stream, text[start : start + MAX_LOG_TEXT])
                    batches.append(batch)
                    self._retain(batch)
        return batches

    def _retain(self, batch: _Batch) -> None:
        self._retained.append(batch)
        self._retained_bytes += len(batch.text)
        while self._retained_bytes > RETAIN_BYTES and len(self._retained) > 1:
            self._retained_bytes -= len(self._retained.pop(0).text)

    def _resend(self) -> None:
        """After a reconnect: everything the server has not confirmed, in order."""
        self._generation = self.channel.generation
        with self._lock:
            unconfirmed = [b for b in self._retained if b.seq > self.confirmed]
        for batch in unconfirmed:
            self._send(batch)

    def _send(self, batch: _Batch) -> None:
        try:
            self.channel.send(batch.message())
            return
        except ChannelClosed:
            pass
        if time.monotonic() < self._next_connect:
            return  # kept in _retained: resent once the channel is back
        self._next_connect = time.monotonic() + RECONNECT_DELAY
        try:
            self.channel.connect()
        except (ChannelClosed, ApiRefused) as err:
            log.debug("live log: channel not back yet: %s", err)
            return
        self._resend()
