"""Messages on a claimed job's WebSocket (``/v0/runners/{runner}/jobs/{job}``).

One JSON object per text frame, tagged by ``event``. The runner sends ``RUNNER_EVENTS``; the
server answers each but ``log`` with ``ack``
(``{"event": "ack", "for": ..., "status": <job status>}``) or ``error``
(``{"event": "error", "message": ...}``, plus ``for`` and ``status`` when the message was
understood but does not fit the job's state), and pushes ``cancel``
(``{"event": "cancel", "reason": ...}``) at any time.
"""

RUNNER_EVENTS: tuple[str, ...] = (
    "running",
    "heartbeat",
    "log",
    "completed",
    "failed",
    "canceled",
)
#: ``log`` (``{"event": "log", "seq": n, "stream": "stdout"|"stderr", "text": ...}``) carries
#: a batch of live output, numbered from 1 per job; it gets no reply, so the runner never waits
#: on it. The ``heartbeat`` ack's ``log_seq`` says which batches the server has stored; after a
#: reconnect the runner resends from there, and repeats are ignored.
LOG_STREAMS: tuple[str, ...] = ("stdout", "stderr")
#: The most characters one ``log`` message may carry.
MAX_LOG_TEXT = 256 * 1024
#: A runner resends these until they are acknowledged: losing one would lose the job's output.
TERMINAL_EVENTS: tuple[str, ...] = ("completed", "failed", "canceled")
SERVER_EVENTS: tuple[str, ...] = ("ack", "error", "cancel")
