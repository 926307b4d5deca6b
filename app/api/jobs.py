from flask import Blueprint, request

from app.api.common import optional_user, paging, require_user
from app.extensions import db
from app.schemas.job import JobOutSchema
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
    """The job; its full output only with ``?output=true`` (polls stay small)."""
    found = get_job(get_project(optional_user(), project), job)
    body = JobOutSchema().dump(found)
    if request.args.get("output") == "true":
        body["output"] = job_output(found)
    return body


@bp.post("/projects/<project>/jobs/<job>/cancel")
def cancel(project: str, job: str):
    found = get_job(get_project(require_user(), project, write=True), job)
    cancel_job(found, "canceled by user")
    db.session.commit()
    return JobOutSchema().dump(found)
