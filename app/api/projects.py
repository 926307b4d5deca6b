from flask import Blueprint

from app.api.common import load_body, optional_user, paging, require_user
from app.extensions import db
from app.models import Project
from app.schemas.project import (
    ProjectAccessSchema,
    ProjectCreateSchema,
    ProjectOutSchema,
    ProjectUpdateSchema,
)
from app.services.projects import (
    can_write,
    create_project,
    delete_project,
    get_project,
    update_project,
    visible_projects,
)

bp = Blueprint("projects", __name__)


@bp.post("/projects")
def post_project():
    user = require_user()
    data = load_body(ProjectCreateSchema())
    project = create_project(user, data["name"], data["slug"], data["visibility"])
    db.session.commit()
    return ProjectOutSchema().dump(project), 201


@bp.get("/projects")
def list_projects():
    page, per_page = paging()
    query = visible_projects(optional_user()).order_by(Project.slug)
    projects = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return ProjectOutSchema(many=True).dump(projects)


@bp.get("/projects/<project>")
def get_one(project: str):
    return ProjectOutSchema().dump(get_project(optional_user(), project))


@bp.patch("/projects/<project>")
def patch_project(project: str):
    user = require_user()
    updated = update_project(user, project, load_body(ProjectUpdateSchema()))
    db.session.commit()
    return ProjectOutSchema().dump(updated)


@bp.delete("/projects/<project>")
def delete_one(project: str):
    delete_project(require_user(), project)
    db.session.commit()
    return "", 204


@bp.get("/projects/<project>/access")
def access(project: str):
    user = optional_user()
    found = get_project(user, project)
    allowed = {"project": found.slug, "read": True, "write": can_write(user, found)}
    return ProjectAccessSchema().dump(allowed)
