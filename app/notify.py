"""Cross-process notifications over Redis pub/sub: "a job is available", "cancel job X", and
job X's events (a status change, a batch of live log) for whoever follows that job.

Publishing is best effort: when Redis is down the message is lost, and the runners' periodic
re-check and the sweeper still find the work, only later.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Channels:
    """The pub/sub channel names of the Bencher instance whose broker is ``url``.

    Redis pub/sub ignores the database number: two instances sharing one Redis server on
    different databases would hear each other's messages, and job events are keyed by the
    job's integer id, which both have. The names therefore carry the database number.
    """

    jobs: str
    cancel_prefix: str
    job_prefix: str

    @classmethod
    def for_url(cls, url: str) -> Channels:
        database = redis.connection.parse_url(url).get("db", 0)
        base = f"bencher:{database}:"
        return cls(jobs=base + "jobs", cancel_prefix=base + "cancel:", job_prefix=base + "job:")

    def cancel(self, job_uuid: str) -> str:
        return self.cancel_prefix + job_uuid

    def job(self, job_id: int) -> str:
        return f"{self.job_prefix}{job_id}"


class RedisNotifier:
    """Publishes and subscribes on Redis; publishing never raises (runners re-check anyway)."""

    def __init__(self, url: str):
        self.url = url
        self.channels = Channels.for_url(url)
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)

    def publish_job_available(self, spec_id: int) -> None:
        self._publish(self.channels.jobs, {"spec_id": spec_id})

    def publish_cancel(self, job_uuid: str, reason: str) -> None:
        self._publish(self.channels.cancel(job_uuid), {"reason": reason})

    def publish_job_event(self, job_id: int, message: dict) -> None:
        """``{"kind": "status", "status": ...}`` or ``{"kind": "log", "seq", "stream", "text"}``."""
        self._publish(self.channels.job(job_id), message)

    def _publish(self, channel: str, message: dict) -> None:
        try:
            self._client.publish(channel, json.dumps(message))
        except redis.RedisError as err:
            log.warning("could not publish on %s: %s", channel, err)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False
