from flask import Blueprint

from app.api.common import optional_user
from app.schemas.report import ReportSchema
from app.services.projects import get_project
from app.services.reports import get_report, report_details

bp = Blueprint("reports", __name__)


@bp.get("/projects/<project>/reports/<report>")
def get_one(project: str, report: str):
    found = get_report(get_project(optional_user(), project), report)
    return ReportSchema().dump(report_details(found))
