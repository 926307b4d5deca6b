from flask import Blueprint

from app.api.common import load_body, require_user
from app.extensions import db
from app.schemas.report import ReportSchema
from app.schemas.run import RunSchema
from app.services import notifier, on_commit
from app.services.reports import report_details
from app.services.runs import create_run

bp = Blueprint("runs", __name__)


@bp.post("/run")
def post_run():
    """Create a report: local results are processed now, a ``job`` is queued for a runner."""
    user = require_user()
    data = load_body(RunSchema())
    outcome = create_run(user, data)
    if outcome.created and outcome.job is not None:
        publish, spec_id = notifier().publish_job_available, outcome.job.spec_id
        on_commit(lambda: publish(spec_id))
    db.session.commit()
    body = ReportSchema().dump(report_details(outcome.report, outcome.job))
    return body, 201 if outcome.created else 200
