"""One Redis pub/sub subscriber per API process, fanning messages out to waiting threads.

Long-polling claims register a :class:`Waiter` for the specs their runner serves; a "job
available" message wakes the longest-waiting waiter of that spec (one per API process, not
all of them: each woken claim is a database transaction). Job sockets register a callback for
their job's cancel channel. Log followers and long polls on a job get a queue of that job's
events. One Redis connection per process instead of one per waiter.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

import redis

from app.notify import Channels

#: Events queued for one follower before the oldest are dropped (it then re-reads the database).
FOLLOWER_QUEUE = 1000


class Follower:
    """One reader following one job: its events arrive on ``events``; ``None`` means "some may
    have been missed (Redis reconnected or the queue overflowed): re-read the database"."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.events: queue.Queue = queue.Queue(FOLLOWER_QUEUE)

    def put(self, event: dict | None) -> None:
        try:
            self.events.put_nowait(event)
        except queue.Full:
            self._overflowed()

    def _overflowed(self) -> None:
        while True:
            try:
                self.events.get_nowait()
            except queue.Empty:
                break
        self.events.put_nowait(None)


log = logging.getLogger(__name__)


class Waiter:
    """A claim waiting for a job of one of ``spec_ids``."""

    def __init__(self, spec_ids: frozenset[int]):
        self.spec_ids = spec_ids
        self.event = threading.Event()


class Listener:
    def __init__(self, url: str):
        self.url = url
        self.channels = Channels.for_url(url)
        self._lock = threading.Lock()
        self._waiters: list[Waiter] = []  # oldest first
        self._cancel_handlers: dict[str, Callable[[str], None]] = {}
        self._followers: dict[int, list[Follower]] = {}
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

    def add_waiter(self, spec_ids: frozenset[int]) -> Waiter:
        """Register before looking for a job, so a publish in between is not missed."""
        self._ensure_started()
        waiter = Waiter(spec_ids)
        with self._lock:
            self._waiters.append(waiter)
        return waiter

    def remove_waiter(self, waiter: Waiter) -> None:
        with self._lock:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake(self, spec_id: int | None) -> None:
        """Wake the oldest waiter for ``spec_id``; every waiter when it is None."""
        with self._lock:
            chosen = [w for w in self._waiters if spec_id is None or spec_id in w.spec_ids]
            if spec_id is not None:
                chosen = chosen[:1]
            for waiter in chosen:
                self._waiters.remove(waiter)
                waiter.event.set()

    def on_cancel(self, job_uuid: str, handler: Callable[[str], None]) -> None:
        self._ensure_started()
        with self._lock:
            self._cancel_handlers[job_uuid] = handler

    def remove_cancel(self, job_uuid: str) -> None:
        with self._lock:
            self._cancel_handlers.pop(job_uuid, None)

    def follow(self, job_id: int) -> Follower:
        """Register before reading the job's state, so an event in between is not missed."""
        self._ensure_started()
        follower = Follower(job_id)
        with self._lock:
            self._followers.setdefault(job_id, []).append(follower)
        return follower

    def unfollow(self, follower: Follower) -> None:
        with self._lock:
            followers = self._followers.get(follower.job_id, [])
            if follower in followers:
                followers.remove(follower)
            if not followers:
                self._followers.pop(follower.job_id, None)

    def followers(self, job_id: int) -> int:
        """How many readers follow job ``job_id`` in this process."""
        with self._lock:
            return len(self._followers.get(job_id, []))

    def _resync_followers(self) -> None:
        with self._lock:
            every = [f for followers in self._followers.values() for f in followers]
        for follower in every:
            follower.put(None)

    def _dispatch(self, message: dict) -> None:
        channel, names = message["channel"].decode(), self.channels
        if channel.startswith(names.job_prefix):
            job_id = int(channel[len(names.job_prefix) :])
            with self._lock:
                followers = list(self._followers.get(job_id, []))
            if followers:
                event = json.loads(message["data"])
                for follower in followers:
                    follower.put(event)
            return
        if channel == names.jobs:
            self._wake(json.loads(message["data"]).get("spec_id"))
        elif channel.startswith(names.cancel_prefix):
            with self._lock:
                handler = self._cancel_handlers.get(channel[len(names.cancel_prefix) :])
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
                pubsub.subscribe(self.channels.jobs)
                pubsub.psubscribe(self.channels.cancel_prefix + "*", self.channels.job_prefix + "*")
                backoff = 0.5
                # A reconnect may have missed a publish: wake every waiter to re-check.
                self._wake(None)
                self._resync_followers()
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
