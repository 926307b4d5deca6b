from flask import Blueprint
from sqlalchemy import select

from app.api.common import load_body, optional_user, require_user
from app.extensions import db
from app.models import Threshold
from app.schemas.threshold import ModelSchema, ThresholdCreateSchema, ThresholdOutSchema
from app.services.projects import get_project
from app.services.threshold_admin import create_threshold, get_threshold, update_threshold_model

bp = Blueprint("thresholds", __name__)


@bp.post("/projects/<project>/thresholds")
def post_threshold(project: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(ThresholdCreateSchema())
    dims = {k: data.pop(k) for k in ("branch", "testbed", "measure")}
    threshold = create_threshold(found, dims["branch"], dims["testbed"], dims["measure"], data)
    db.session.commit()
    return ThresholdOutSchema().dump(threshold), 201


@bp.get("/projects/<project>/thresholds")
def list_thresholds(project: str):
    found = get_project(optional_user(), project)
    rows = db.session.scalars(
        select(Threshold).where(Threshold.project_id == found.id).order_by(Threshold.created)
    ).all()
    return ThresholdOutSchema(many=True).dump(rows)


@bp.patch("/projects/<project>/thresholds/<threshold>")
def patch_threshold(project: str, threshold: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(ModelSchema())
    updated = update_threshold_model(get_threshold(found, threshold), data)
    db.session.commit()
    return ThresholdOutSchema().dump(updated)
