"""The console's pages other than perf: projects, overview, reports, jobs, alerts, thresholds.

Each view finds the project as the visitor may see it, calls one service and renders.
"""

from __future__ import annotations

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from app.console import bp
from app.console.session import current_user, project_for
from app.errors import ApiError, BadRequest
from app.extensions import db
from app.models import ALERT_STATUSES, Project
from app.schemas.job import LogQuerySchema
from app.services.alerts import (
    alert_source,
    dismiss_active_alerts,
    get_alert,
    list_alerts,
    set_alert_status,
)
from app.services.job_logs import follow_log_sse
from app.services.job_output import job_output
from app.services.jobs import get_job, list_jobs
from app.services.overview import list_reports, project_overview
from app.services.projects import visible_projects
from app.services.reports import get_report, report_details
from app.services.threshold_admin import get_threshold, list_thresholds, model_history
from protocol import HELD_STATUSES, JOB_STATUSES

PER_PAGE = 50


def _page() -> int:
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        raise BadRequest("page must be a whole number") from None
    if page < 1:
        raise BadRequest("page must be 1 or more")
    return page


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    if request.path.endswith(".json"):  # the perf page's data: its script shows the message
        return jsonify(err.to_dict()), err.status
    return render_template("error.html", status=err.status, message=err.message), err.status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return render_template("error.html", status=err.code, message=err.description), err.code


@bp.get("/")
def projects():
    rows = db.session.scalars(visible_projects(current_user()).order_by(Project.name)).all()
    return render_template("projects.html", projects=rows)


@bp.get("/projects/<project>")
def overview(project: str):
    found = project_for(project)
    return render_template("overview.html", project=found, overview=project_overview(found))


@bp.get("/projects/<project>/reports")
def reports(project: str):
    found, page = project_for(project), _page()
    rows, total = list_reports(found, page, PER_PAGE)
    return render_template(
        "reports.html", project=found, reports=rows, total=total, page=page, per_page=PER_PAGE
    )


@bp.get("/projects/<project>/reports/<report>")
def report(project: str, report: str):
    found = project_for(project)
    details = report_details(get_report(found, report))
    return render_template("report.html", project=found, details=details)


@bp.get("/projects/<project>/jobs")
def jobs(project: str):
    found, page = project_for(project), _page()
    status = request.args.get("status") or None
    rows, total = list_jobs(found, status, page, PER_PAGE)
    return render_template(
        "jobs.html", project=found, jobs=rows, total=total, page=page, per_page=PER_PAGE,
        status=status, statuses=JOB_STATUSES,
    )  # fmt: skip


@bp.get("/projects/<project>/jobs/<job>")
def job(project: str, job: str):
    found = project_for(project)
    one = get_job(found, job)
    live = one.status == "pending" or one.status in HELD_STATUSES
    return render_template(
        "job.html", project=found, job=one, output=None if live else job_output(one), live=live
    )


@bp.get("/projects/<project>/jobs/<job>/log")
def job_log(project: str, job: str):
    """The job page's live tail: the log as Server-Sent Events, read with the visitor's
    session (a browser's EventSource cannot send an API token). A reconnect resumes after the
    ``Last-Event-ID`` the browser sends."""
    query = LogQuerySchema().load(request.args)
    found = get_job(project_for(project), job)
    after = max(query["after"], _last_event_id())
    stream = follow_log_sse(found.id, after, query["max_seconds"])
    db.session.commit()
    return Response(
        stream_with_context(stream),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _last_event_id() -> int:
    value = request.headers.get("Last-Event-ID", "")
    return int(value) if value.isdigit() else 0


@bp.get("/projects/<project>/alerts")
def alerts(project: str):
    found, page = project_for(project), _page()
    status = request.args.get("status", "active") or None
    rows = list_alerts(found, status, page, PER_PAGE)
    return render_template(
        "alerts.html", project=found, alerts=rows, status=status, statuses=ALERT_STATUSES,
        page=page, per_page=PER_PAGE,
    )  # fmt: skip


@bp.post("/projects/<project>/alerts/<alert>/dismiss")
def dismiss(project: str, alert: str):
    found = project_for(project, write=True)
    set_alert_status(found, alert, "dismissed")
    db.session.commit()
    flash(f"alert {alert[:8]} dismissed")
    return redirect(url_for("console.alerts", project=found.slug))


@bp.post("/projects/<project>/alerts/dismiss-all")
def dismiss_all(project: str):
    found = project_for(project, write=True)
    count = dismiss_active_alerts(found)
    db.session.commit()
    flash(f"{count} active alert{'s' if count != 1 else ''} dismissed")
    return redirect(url_for("console.alerts", project=found.slug))


@bp.get("/projects/<project>/alerts/<alert>")
def alert(project: str, alert: str):
    found = project_for(project)
    row = get_alert(found, alert)
    return render_template("alert.html", project=found, row=row, source=alert_source(row))


@bp.get("/projects/<project>/thresholds")
def thresholds(project: str):
    found = project_for(project)
    return render_template("thresholds.html", project=found, thresholds=list_thresholds(found))


@bp.get("/projects/<project>/thresholds/<threshold>")
def threshold(project: str, threshold: str):
    found = project_for(project)
    one = get_threshold(found, threshold)
    history = model_history(one)
    return render_template("threshold.html", project=found, threshold=one, models=history)
