from flask import Blueprint

from app.api.common import load_body, require_user
from app.extensions import db
from app.schemas.run import RunSchema
from app.services import notifier, on_commit
from app.services.reports import report_view
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
    return report_view(outcome.report, outcome.job), 201 if outcome.created else 200
