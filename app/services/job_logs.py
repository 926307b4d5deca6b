"""A running job's live log: batches a runner streams, kept within a limit, read or followed.

The log is a convenience view while the job runs; the final ``completed``/``failed`` message
stays the authoritative output. Past ``BENCHER_MAX_LOG_BYTES`` the log keeps its first half
(the ``head`` batches) and the most recent batches, and counts what it dropped in between --
the same rule as for the stored output.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator

from sqlalchemy import delete, select, update

from app.extensions import db
from app.listener import Follower, listener_for
from app.models import Job, JobLogChunk
from app.services import notifier, on_commit, settings
from protocol import HELD_STATUSES
from protocol.output import DROPPED_MARKER

#: Seconds a follower waits for an event before re-reading the job (a lost publish costs this).
_RECHECK = 5.0
#: The pseudo-stream of the marker that stands where batches were dropped.
MARKER_STREAM = "bencher"


def append_log(job: Job, seq: int, stream: str, text: str) -> bool:
    """Store batch ``seq`` of ``job``'s log; False for a repeat (already stored, or older).

    The caller commits; the batch is published to followers after the commit.
    """
    if seq <= job.log_seq:
        return False
    size = len(text.encode("utf-8", "replace"))
    limit = settings().max_log_bytes
    head = job.log_bytes + size <= limit // 2 and not _has_tail(job.id)
    db.session.add(
        JobLogChunk(job_id=job.id, seq=seq, stream=stream, text=text, size=size, head=head)
    )
    kept, dropped = job.log_bytes + size, job.log_dropped
    if kept > limit:
        freed = _drop_oldest_tail(job.id, kept - limit, seq)
        kept, dropped = kept - freed, dropped + freed
    db.session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(log_seq=seq, log_bytes=kept, log_dropped=dropped)
        .execution_options(synchronize_session=False)
    )
    job_id, publish = job.id, notifier().publish_job_event
    event = {"kind": "log", "seq": seq, "stream": stream, "text": text}
    on_commit(lambda: publish(job_id, event))
    return True


def _has_tail(job_id: int) -> bool:
    found = db.session.scalar(
        select(JobLogChunk.id).where(JobLogChunk.job_id == job_id, ~JobLogChunk.head).limit(1)
    )
    return found is not None


def _drop_oldest_tail(job_id: int, excess: int, newest: int) -> int:
    """Delete the oldest non-head batches (never ``newest``) until ``excess`` bytes are freed."""
    rows = db.session.execute(
        select(JobLogChunk.id, JobLogChunk.size)
        .where(JobLogChunk.job_id == job_id, ~JobLogChunk.head, JobLogChunk.seq < newest)
        .order_by(JobLogChunk.seq)
    ).all()
    freed, doomed = 0, []
    for row in rows:
        if freed >= excess:
            break
        doomed.append(row.id)
        freed += row.size
    if doomed:
        db.session.execute(delete(JobLogChunk).where(JobLogChunk.id.in_(doomed)))
    return freed


def read_log(job: Job, after: int = 0) -> list[dict]:
    """The stored batches after ``after``, in order, with a marker where batches were dropped."""
    chunks = db.session.scalars(
        select(JobLogChunk)
        .where(JobLogChunk.job_id == job.id, JobLogChunk.seq > after)
        .order_by(JobLogChunk.seq)
    ).all()
    items: list[dict] = []
    previous = after
    for chunk in chunks:
        if job.log_dropped and not chunk.head and chunk.seq > previous + 1:
            marker = DROPPED_MARKER.format(dropped=job.log_dropped)
            items.append({"seq": chunk.seq - 1, "stream": MARKER_STREAM, "text": marker})
        items.append({"seq": chunk.seq, "stream": chunk.stream, "text": chunk.text})
        previous = chunk.seq
    return items


def follow_log(job_id: int, after: int, max_seconds: float) -> Iterator[tuple[str, dict]]:
    """Yield ``("log", batch)`` as the job's log grows, then ``("end", {status, ...})``.

    Registers for the job's events before reading what is stored, so nothing published in
    between is lost; batches are deduplicated by ``seq``. Ends once the job stopped running
    (``completed`` and later, ``failed``, ``canceled``: no more output can come), or after
    ``max_seconds`` (``timeout: true``; the client reconnects with ``after``). Each database
    read is its own short transaction: a follower holds no connection while it waits.
    """
    listener = listener_for(settings().broker_url)
    follower = listener.follow(job_id)
    deadline = time.monotonic() + max_seconds
    last = after
    try:
        while True:
            job = db.session.get(Job, job_id)
            db.session.refresh(job)
            status, items = job.status, read_log(job, last)
            db.session.commit()  # no transaction stays open while the client reads
            for item in items:
                last = max(last, item["seq"])
                yield "log", item
            if status not in HELD_STATUSES and status != "pending":
                yield "end", {"status": status, "log_seq": last, "timeout": False}
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                yield "end", {"status": status, "log_seq": last, "timeout": True}
                return
            for event in _events(follower, deadline):
                if event is None or event.get("kind") != "log" or event["seq"] > last + 1:
                    break  # a status change, a gap or a resync: read the database again
                if event["seq"] == last + 1:
                    last = event["seq"]
                    yield "log", {k: event[k] for k in ("seq", "stream", "text")}
    finally:
        listener.unfollow(follower)


def follow_log_sse(job_id: int, after: int, max_seconds: float) -> Iterator[str]:
    """:func:`follow_log` as Server-Sent Events: ``log`` events (their ``id`` is the batch's
    seq, so a browser's reconnect names where it stopped) and a closing ``end`` event."""
    for kind, data in follow_log(job_id, after, max_seconds):
        seq = f"id: {data['seq']}\n" if kind == "log" else ""
        yield f"{seq}event: {kind}\ndata: {json.dumps(data)}\n\n"


def _events(follower: Follower, deadline: float) -> Iterator[dict | None]:
    """The follower's events until ``deadline``; stops after :data:`_RECHECK` s of silence."""
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            yield follower.events.get(timeout=min(remaining, _RECHECK))
        except queue.Empty:
            return


def wait_for_change(job_id: int, seen: str, max_seconds: float) -> None:
    """Return once job ``job_id`` is no longer ``seen``, or after ``max_seconds``.

    For the job status long poll: wakes on the job's status publish, re-reading the database
    every few seconds in case a publish was lost.
    """
    listener = listener_for(settings().broker_url)
    follower = listener.follow(job_id)
    deadline = time.monotonic() + max_seconds
    try:
        while True:
            status = db.session.scalar(select(Job.status).where(Job.id == job_id))
            db.session.commit()
            remaining = deadline - time.monotonic()
            if status != seen or remaining <= 0:
                return
            _wait_status(follower, min(remaining, _RECHECK))
    finally:
        listener.unfollow(follower)


def _wait_status(follower: Follower, timeout: float) -> None:
    for event in _events(follower, time.monotonic() + timeout):
        if event is None or event.get("kind") == "status":
            return
