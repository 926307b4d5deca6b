from flask import Blueprint, Response, request, stream_with_context

from app.api.common import optional_user, paging, require_user
from app.extensions import db
from app.schemas.job import (
    JobLogSchema,
    JobOutSchema,
    JobQuerySchema,
    LogChunkSchema,
    LogQuerySchema,
)
from app.services.job_logs import follow_log_sse, read_log, wait_for_change
from app.services.job_output import job_output
from app.services.jobs import cancel_job, get_job, list_jobs
from app.services.projects import get_project

bp = Blueprint("jobs", __name__)


@bp.get("/projects/<project>/jobs")
def list_all(project: str):
    page, per_page = paging()
    jobs, total = list_jobs(
        get_project(optional_user(), project), request.args.get("status"), page, per_page
    )
    return JobOutSchema(many=True).dump(jobs), 200, {"X-Total-Count": str(total)}


@bp.get("/projects/<project>/jobs/<job>")
def get_one(project: str, job: str):
    """The job; its full output only with ``?output=true`` (polls stay small). With
    ``?wait=S&status=X`` the answer waits up to S seconds while the job is still X."""
    query = JobQuerySchema().load(request.args)
    found = get_job(get_project(optional_user(), project), job)
    if query["wait"] and query["status"] == found.status:
        wait_for_change(found.id, found.status, query["wait"])
        db.session.refresh(found)
    body = JobOutSchema().dump(found)
    if query["output"]:
        body["output"] = job_output(found)
    return body


@bp.get("/projects/<project>/jobs/<job>/logs")
def logs(project: str, job: str):
    """The live log so far (JSON), or with ``?follow=true`` a Server-Sent Events stream of
    ``log`` events until the job ends (an ``end`` event with its status)."""
    query = LogQuerySchema().load(request.args)
    found = get_job(get_project(optional_user(), project), job)
    if not query["follow"]:
        chunks = LogChunkSchema(many=True).dump(read_log(found, query["after"]))
        return {**JobLogSchema().dump(found), "chunks": chunks}
    stream = follow_log_sse(found.id, query["after"], query["max_seconds"])
    db.session.commit()
    return Response(
        stream_with_context(stream),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@bp.post("/projects/<project>/jobs/<job>/cancel")
def cancel(project: str, job: str):
    found = get_job(get_project(require_user(), project, write=True), job)
    cancel_job(found, "canceled by user")
    db.session.commit()
    return JobOutSchema().dump(found)
