"""Messages on a claimed job's WebSocket (``/v0/runners/{runner}/jobs/{job}``).

One JSON object per text frame, tagged by ``event``. The runner sends ``RUNNER_EVENTS``; the
server answers each with ``ack`` (``{"event": "ack", "for": ..., "status": <job status>}``) or
``error`` (``{"event": "error", "message": ...}``, plus ``for`` and ``status`` when the message
was understood but does not fit the job's state), and pushes ``cancel``
(``{"event": "cancel", "reason": ...}``) at any time.
"""

RUNNER_EVENTS: tuple[str, ...] = ("running", "heartbeat", "completed", "failed", "canceled")
#: A runner resends these until they are acknowledged: losing one would lose the job's output.
TERMINAL_EVENTS: tuple[str, ...] = ("completed", "failed", "canceled")
SERVER_EVENTS: tuple[str, ...] = ("ack", "error", "cancel")
