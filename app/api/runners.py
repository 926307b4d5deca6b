from flask import Blueprint, request

from app.api.common import json_body, load_body, require_admin
from app.extensions import db
from app.schemas.job import ClaimedJobSchema, ClaimSchema
from app.schemas.runner import RunnerCreateSchema, RunnerOutSchema, RunnerSpecSchema
from app.services.auth import authenticate_runner, parse_bearer
from app.services.claims import wait_and_claim
from app.services.runners import add_runner_spec, create_runner, find_runner, find_spec

bp = Blueprint("runners", __name__)


@bp.post("/runners")
def post_runner():
    """Create a runner; its token is in this response only."""
    require_admin()
    data = load_body(RunnerCreateSchema())
    runner, token = create_runner(data["slug"], data["name"])
    db.session.commit()
    return {**RunnerOutSchema().dump(runner), "token": token}, 201


@bp.post("/runners/<runner>/specs")
def post_runner_spec(runner: str):
    require_admin()
    data = load_body(RunnerSpecSchema())
    found = add_runner_spec(find_runner(runner), find_spec(data["spec"]))
    db.session.commit()
    return RunnerOutSchema().dump(found), 201


@bp.post("/runners/<runner>/jobs")
def claim(runner: str):
    """Long-poll for a job: 200 with the claimed job, or 204 when ``poll_timeout`` passes."""
    found = authenticate_runner(runner, parse_bearer(request.headers.get("Authorization")))
    data = ClaimSchema().load(json_body() or {})
    job = wait_and_claim(found, data["poll_timeout"])
    if job is None:
        return "", 204
    claimed = ClaimedJobSchema().dump(job)
    db.session.commit()
    return claimed
