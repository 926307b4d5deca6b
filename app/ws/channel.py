"""``WS /v0/runners/{runner}/jobs/{job}``: the claimed job's channel.

Authentication and the claim check happen in ``before_request``, so a bad token or a job the
runner does not hold is a plain HTTP 401/404 and the upgrade is never accepted.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, g, request
from marshmallow import ValidationError
from simple_websocket import ConnectionClosed
from sqlalchemy import select

from app.errors import NotFound, validation_error
from app.extensions import db, sock
from app.listener import listener_for
from app.models import Job
from app.schemas.channel import RunnerMessageSchema
from app.services import settings
from app.services.auth import authenticate_runner, parse_bearer
from app.services.jobs import fail_job
from app.services.runner_events import handle_event, handle_log

log = logging.getLogger(__name__)
bp = Blueprint("channel", __name__)
_schema = RunnerMessageSchema()


@bp.before_request
def _authenticate():
    runner = authenticate_runner(
        request.view_args["runner"], parse_bearer(request.headers.get("Authorization"))
    )
    job = db.session.scalar(select(Job).where(Job.uuid == request.view_args["job"]))
    if job is None or job.runner_id != runner.id:
        raise NotFound(f"job {request.view_args['job']!r} is not claimed by runner {runner.slug}")
    g.job_id = job.id
    g.job_uuid = job.uuid
    db.session.commit()  # end the read transaction; the socket may live for hours


@sock.route("/v0/runners/<runner>/jobs/<job>", bp=bp)
def job_channel(ws, runner: str, job: str):
    job_id, job_uuid = g.job_id, g.job_uuid
    heartbeat_timeout = settings().heartbeat_timeout
    listener = listener_for(settings().broker_url)

    def push_cancel(reason: str) -> None:
        try:
            ws.send(json.dumps({"event": "cancel", "reason": reason}))
        except ConnectionClosed:
            pass

    listener.on_cancel(job_uuid, push_cancel)
    try:
        # A cancel that happened before this socket opened must still reach the runner.
        current = db.session.get(Job, job_id)
        if current.status == "canceled":
            push_cancel(current.cancel_reason or "canceled")
        db.session.commit()
        while True:
            raw = ws.receive(timeout=heartbeat_timeout)
            if raw is None:
                _heartbeat_lost(job_id, heartbeat_timeout)
                ws.close(reason=1008, message="heartbeat timeout")
                return
            reply = _reply(job_id, raw)
            if reply is None:
                ws.close(reason=1007, message="messages must be JSON objects")
                return
            if reply is not _NO_REPLY:
                ws.send(json.dumps(reply))
    finally:
        listener.remove_cancel(job_uuid)
        db.session.remove()


#: What ``_reply`` returns for a ``log`` message, which is never answered.
_NO_REPLY: dict = {}


def _reply(job_id: int, raw) -> dict | None:
    try:
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            return None
    except (TypeError, ValueError, RecursionError):  # deep nesting exhausts the parser's stack
        return None
    if payload.get("event") == "log":
        _store_log(job_id, payload)
        return _NO_REPLY
    try:
        message = _schema.load(payload)
    except ValidationError as err:
        return {"event": "error", "message": validation_error(err).message}
    try:
        reply = handle_event(db.session.get(Job, job_id), message)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("runner message for job %s failed", job_id)
        return {
            "event": "error",
            "for": message["event"],
            "message": "internal error; resend",
            "retry": True,
        }
    return reply


def _store_log(job_id: int, payload: dict) -> None:
    """A bad or failed log batch is logged here, not answered: an unexpected reply would be
    taken by the runner as the answer to its next request."""
    try:
        handle_log(db.session.get(Job, job_id), _schema.load(payload))
        db.session.commit()
    except ValidationError as err:
        log.warning("job %s: invalid log batch: %s", job_id, err.messages)
    except Exception:
        db.session.rollback()
        log.exception("job %s: storing a log batch failed", job_id)


def _heartbeat_lost(job_id: int, timeout: int) -> None:
    if fail_job(job_id, f"no heartbeat from the runner for {timeout} s"):
        log.warning("job %s failed: heartbeat timeout", job_id)
    db.session.commit()
