"""Cross-process notifications over Redis pub/sub: "a job is available", "cancel job X", and
job X's events (a status change, a batch of live log) for whoever follows that job.

Publishing is best effort: when Redis is down the message is lost, and the runners' periodic
re-check and the sweeper still find the work, only later.
"""

from __future__ import annotations

import json
import logging

import redis

log = logging.getLogger(__name__)

JOBS_CHANNEL = "bencher:jobs"
CANCEL_CHANNEL_PREFIX = "bencher:cancel:"
JOB_CHANNEL_PREFIX = "bencher:job:"


def cancel_channel(job_uuid: str) -> str:
    return CANCEL_CHANNEL_PREFIX + job_uuid


class RedisNotifier:
    """Publishes and subscribes on Redis; publishing never raises (runners re-check anyway)."""

    def __init__(self, url: str):
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)

    def publish_job_available(self, spec_id: int) -> None:
        self._publish(JOBS_CHANNEL, {"spec_id": spec_id})

    def publish_cancel(self, job_uuid: str, reason: str) -> None:
        self._publish(cancel_channel(job_uuid), {"reason": reason})

    def publish_job_event(self, job_id: int, message: dict) -> None:
        """``{"kind": "status", "status": ...}`` or ``{"kind": "log", "seq", "stream", "text"}``."""
        self._publish(f"{JOB_CHANNEL_PREFIX}{job_id}", message)

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
