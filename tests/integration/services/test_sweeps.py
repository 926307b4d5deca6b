"""The sweeper: silent jobs fail, overdue jobs are canceled (and told), stale ones re-queued."""

import json
import time
from datetime import timedelta

import redis
from sqlalchemy import update

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.notify import Channels
from app.services.sweeps import sweep
from tests.support.runner_api import create_job, setup_project
from tests.support.settings import TEST_REDIS_URL


def _set(uuid: str, **values) -> None:
    db.session.execute(update(Job).where(Job.uuid == uuid).values(**values))
    db.session.commit()


def _status(uuid: str) -> Job:
    db.session.expire_all()
    return db.session.query(Job).filter_by(uuid=uuid).one()


def test_sweep_fails_silent_cancels_overdue_and_requeues_stale(client, factory):
    setup_project(client, factory.admin_token)
    silent, overdue, stale, healthy = (create_job(client, factory.admin_token) for _ in range(4))
    now = utcnow()
    _set(silent, status="running", claimed=now, started=now,
         last_heartbeat=now - timedelta(seconds=600))  # fmt: skip
    _set(overdue, status="running", claimed=now, last_heartbeat=now,
         started=now - timedelta(seconds=600 + 61 + 5))  # fmt: skip
    _set(stale, status="completed", completed=now - timedelta(seconds=600))
    _set(healthy, status="running", claimed=now, started=now, last_heartbeat=now)
    broker = redis.Redis.from_url(TEST_REDIS_URL)
    broker.delete("celery")
    pubsub = broker.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(Channels.for_url(TEST_REDIS_URL).cancel_prefix + "*")

    counts = sweep()

    assert counts == {"requeued": 1, "failed": 1, "canceled": 1}
    assert _status(silent).status == "failed" and "heartbeat" in _status(silent).error
    assert _status(silent).report.status == "failed"
    assert _status(overdue).status == "canceled"
    assert "hard timeout" in _status(overdue).cancel_reason
    assert _status(healthy).status == "running"
    assert _status(stale).status == "completed"
    queued = [json.loads(m)["headers"] for m in broker.lrange("celery", 0, -1)]
    assert [(h["task"], h["argsrepr"]) for h in queued] == [
        ("process_results", f"[{_status(stale).id}]")
    ]
    deadline, message = time.monotonic() + 5, None
    while message is None and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.5)
    assert message is not None and message["channel"].decode().endswith(overdue)
    assert sweep() == {"requeued": 1, "failed": 0, "canceled": 0}
