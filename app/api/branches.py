"""Branches of a project: list, create, view, rename, move the start point, (un)archive."""

from flask import Blueprint, request

from app.api.common import load_body, optional_user, paging, require_user
from app.extensions import db
from app.schemas.branch import BranchCreateSchema, BranchSchema, BranchUpdateSchema
from app.services.branches import (
    branch_details,
    create_branch,
    get_branch,
    list_branches,
    update_branch,
)
from app.services.projects import get_project

bp = Blueprint("branches", __name__)


@bp.get("/projects/<project>/branches")
def list_all(project: str):
    found = get_project(optional_user(), project)
    page, per_page = paging()
    archived = request.args.get("archived", "false").lower() in ("1", "true", "yes")
    branches = list_branches(found, archived=archived, page=page, per_page=per_page)
    return BranchSchema(many=True).dump([branch_details(b) for b in branches])


@bp.post("/projects/<project>/branches")
def post_branch(project: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(BranchCreateSchema())
    outcome = create_branch(found, data["name"], data["slug"], data["start_point"])
    db.session.commit()
    return BranchSchema().dump(branch_details(outcome.branch, outcome.head)), 201


@bp.get("/projects/<project>/branches/<branch>")
def get_one(project: str, branch: str):
    found = get_project(optional_user(), project)
    return BranchSchema().dump(branch_details(get_branch(found, branch)))


@bp.patch("/projects/<project>/branches/<branch>")
def patch_branch(project: str, branch: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(BranchUpdateSchema())
    wanted = data.pop("start_point", None)
    outcome = update_branch(found, get_branch(found, branch), data, wanted)
    db.session.commit()
    return BranchSchema().dump(branch_details(outcome.branch, outcome.head))
