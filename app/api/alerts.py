from flask import Blueprint, request

from app.api.common import load_body, optional_user, paging, require_user
from app.extensions import db
from app.schemas.alert import AlertPatchSchema, AlertSchema
from app.services.alerts import get_alert, list_alerts, set_alert_status
from app.services.projects import get_project

bp = Blueprint("alerts", __name__)


@bp.get("/projects/<project>/alerts")
def list_all(project: str):
    page, per_page = paging()
    found = get_project(optional_user(), project)
    rows = list_alerts(found, request.args.get("status"), page, per_page)
    return AlertSchema(many=True).dump(rows)


@bp.get("/projects/<project>/alerts/<alert>")
def get_one(project: str, alert: str):
    return AlertSchema().dump(get_alert(get_project(optional_user(), project), alert))


@bp.patch("/projects/<project>/alerts/<alert>")
def patch(project: str, alert: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(AlertPatchSchema())
    updated = set_alert_status(found, alert, data["status"])
    db.session.commit()
    return AlertSchema().dump(updated)
