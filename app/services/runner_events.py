"""What a runner's messages do to its job: the server half of the runner state machine.

Each message maps to one conditional transition. A repeat of a message that already took
effect (a resend after a reconnect) is acknowledged and changes nothing; a message that does
not fit the job's state is answered with an error and changes nothing.
"""

from __future__ import annotations

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.services import on_commit
from app.services.job_logs import append_log
from app.services.job_output import store_job_output
from app.services.jobs import fail_job, mark_canceled, transition
from app.services.queue import enqueue_process_results
from protocol import HELD_STATUSES

# event -> statuses in which a resend of it is harmless: it already took effect, or (a late
# "running") it was overtaken by the job finishing. Anything else is refused with an error.
_ALREADY = {
    "running": ("running", "completed", "processed"),
    "heartbeat": ("claimed", "running", "completed", "processed", "failed", "canceled"),
    "completed": ("completed", "processed"),
    "failed": ("failed",),
    "canceled": ("canceled",),
}


def handle_log(job: Job, message: dict) -> None:
    """Store a ``log`` batch while the runner holds the job (no reply: the runner never waits
    on logs; the next heartbeat ack says how far the server got)."""
    if job.status in HELD_STATUSES and {"seq", "stream", "text"} <= message.keys():
        append_log(job, message["seq"], message["stream"], message["text"])


def handle_event(job: Job, message: dict) -> dict:
    """Apply a validated runner ``message`` to ``job``; return the reply to send.

    The caller commits. Replies: ``ack`` (with ``status`` so a runner learns of a cancel, and
    for a heartbeat ``log_seq``, the last log batch stored), or ``error`` with a message.
    """
    event = message["event"]
    now = utcnow()
    moved = False
    if event == "running":
        moved = transition(job.id, "running", started=now, last_heartbeat=now)
    elif event == "heartbeat":
        moved = (
            db.session.query(Job)
            .filter(Job.id == job.id, Job.status.in_(HELD_STATUSES))
            .update({"last_heartbeat": now}, synchronize_session=False)
        ) == 1
    elif event in ("completed", "failed"):
        moved = _finish(job, event, message, now)
    elif event == "canceled":
        moved = _cancel(job, message)
    db.session.refresh(job)
    if moved or job.status in _ALREADY[event]:
        reply = {"event": "ack", "for": event, "status": job.status}
        if event == "heartbeat":
            reply["log_seq"] = job.log_seq
        return reply
    return {
        "event": "error",
        "for": event,
        "status": job.status,
        "message": f"'{event}' is not valid for a job that is {job.status}",
    }


def _cancel(job: Job, message: dict) -> bool:
    """Cancel the job, keeping the output it produced so far (also after a user's cancel)."""
    moved = mark_canceled(job.id, "canceled by runner")
    db.session.refresh(job)
    if message["results"] and job.status == "canceled" and not job.output_key:
        key = store_job_output(job, message["results"])
        db.session.query(Job).filter(Job.id == job.id).update(
            {"output_key": key}, synchronize_session=False
        )
    return moved


def _finish(job: Job, event: str, message: dict, now) -> bool:
    if job.status not in HELD_STATUSES:
        return False
    values = {"completed": now, "output_key": store_job_output(job, message["results"])}
    if event == "completed":
        moved = transition(job.id, "completed", **values)
        if moved:
            job_id = job.id
            on_commit(lambda: enqueue_process_results(job_id))
        return moved
    return fail_job(job.id, message.get("error") or "the runner reported a failure", **values)
