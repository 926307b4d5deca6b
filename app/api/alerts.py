from flask import Blueprint, request
from marshmallow import RAISE, Schema, fields, validate

from app.api.common import load_body, optional_user, paging, require_user
from app.extensions import db
from app.models import ALERT_STATUSES
from app.services.alerts import alert_view, get_alert, list_alerts, set_alert_status
from app.services.projects import get_project

bp = Blueprint("alerts", __name__)


class AlertPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(required=True, validate=validate.OneOf(ALERT_STATUSES))


@bp.get("/projects/<project>/alerts")
def list_all(project: str):
    page, per_page = paging()
    found = get_project(optional_user(), project)
    return [
        alert_view(row) for row in list_alerts(found, request.args.get("status"), page, per_page)
    ]


@bp.patch("/projects/<project>/alerts/<alert>")
def patch(project: str, alert: str):
    found = get_project(require_user(), project, write=True)
    data = load_body(AlertPatchSchema())
    row = set_alert_status(get_alert(found, alert), data["status"])
    db.session.commit()
    return alert_view(row)
