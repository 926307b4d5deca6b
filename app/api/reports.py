from flask import Blueprint

from app.api.common import optional_user
from app.services.projects import get_project
from app.services.reports import get_report, report_view

bp = Blueprint("reports", __name__)


@bp.get("/projects/<project>/reports/<report>")
def get_one(project: str, report: str):
    return report_view(get_report(get_project(optional_user(), project), report))
