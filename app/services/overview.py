"""What the web console shows of a project at a glance, and its reports page by page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, Project, Report
from app.services.alerts import AlertWithMetric, list_alerts
from protocol import HELD_STATUSES

#: Jobs shown as in progress: waiting for a runner, or held by one.
IN_PROGRESS = ("pending", *HELD_STATUSES)


@dataclass(frozen=True)
class Overview:
    latest_reports: list[Report]
    active_alerts: list[AlertWithMetric]
    jobs_in_progress: list[Job]


def list_reports(project: Project, page: int, per_page: int) -> tuple[list[Report], int]:
    """One page of the project's reports, newest first, and their total."""
    where = Report.project_id == project.id
    total = db.session.scalar(select(func.count()).select_from(Report).where(where))
    reports = db.session.scalars(
        select(Report)
        .where(where)
        .order_by(Report.created.desc(), Report.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(reports), total


def project_overview(project: Project, size: int = 10) -> Overview:
    """The ``size`` latest reports and active alerts, and every job not yet finished."""
    jobs = db.session.scalars(
        select(Job)
        .join(Report, Job.report_id == Report.id)
        .where(Report.project_id == project.id, Job.status.in_(IN_PROGRESS))
        .order_by(Job.created.desc(), Job.id.desc())
        .limit(100)
    ).all()
    return Overview(
        latest_reports=list_reports(project, 1, size)[0],
        active_alerts=list_alerts(project, "active", 1, size),
        jobs_in_progress=list(jobs),
    )
