"""One Redis pub/sub subscriber per API process, fanning messages out to waiting threads.

Long-polling claims wait on :meth:`Listener.wait_for_jobs`; job sockets register a callback
for their job's cancel channel. One connection per process instead of one per waiter, and a
publish wakes every waiter in that process within milliseconds.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable

import redis

from app.notify import CANCEL_CHANNEL_PREFIX, JOBS_CHANNEL

log = logging.getLogger(__name__)


class Listener:
    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._jobs = threading.Condition()
        self._sequence = 0
        self._cancel_handlers: dict[str, Callable[[str], None]] = {}
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def _ensure_started(self) -> None:
        # Started lazily, and again after a fork (gunicorn workers), never in the master.
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="bencher-listener", daemon=True)
            self._thread.start()

    def sequence(self) -> int:
        """A counter of "job available" messages; pass it to :meth:`wait_for_jobs`."""
        self._ensure_started()
        with self._jobs:
            return self._sequence

    def wait_for_jobs(self, seen: int, timeout: float) -> bool:
        """Block until a "job available" message newer than ``seen`` arrives, or ``timeout``."""
        with self._jobs:
            return self._jobs.wait_for(lambda: self._sequence != seen, timeout=timeout)

    def on_cancel(self, job_uuid: str, handler: Callable[[str], None]) -> None:
        self._ensure_started()
        with self._lock:
            self._cancel_handlers[job_uuid] = handler

    def remove_cancel(self, job_uuid: str) -> None:
        with self._lock:
            self._cancel_handlers.pop(job_uuid, None)

    def _dispatch(self, message: dict) -> None:
        channel = message["channel"].decode()
        if channel == JOBS_CHANNEL:
            with self._jobs:
                self._sequence += 1
                self._jobs.notify_all()
        elif channel.startswith(CANCEL_CHANNEL_PREFIX):
            with self._lock:
                handler = self._cancel_handlers.get(channel[len(CANCEL_CHANNEL_PREFIX) :])
            if handler is not None:
                reason = json.loads(message["data"]).get("reason", "canceled")
                handler(reason)

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                pubsub = redis.Redis.from_url(self.url, socket_connect_timeout=2).pubsub(
                    ignore_subscribe_messages=True
                )
                pubsub.subscribe(JOBS_CHANNEL)
                pubsub.psubscribe(CANCEL_CHANNEL_PREFIX + "*")
                backoff = 0.5
                # A reconnect may have missed a publish: wake waiters so they re-check.
                self._dispatch({"channel": JOBS_CHANNEL.encode(), "data": b"{}"})
                for message in pubsub.listen():
                    if message["type"] in ("message", "pmessage"):
                        self._dispatch(message)
            except Exception as err:  # keep listening whatever happens; waiters re-check anyway
                log.warning("pub/sub listener lost Redis (%s); retrying in %.1fs", err, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10)


_listeners: dict[str, Listener] = {}
_registry_lock = threading.Lock()


def listener_for(url: str) -> Listener:
    with _registry_lock:
        if url not in _listeners:
            _listeners[url] = Listener(url)
        return _listeners[url]
