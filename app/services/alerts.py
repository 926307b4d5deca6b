"""Listing alerts and changing their status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from app.errors import BadRequest
from app.extensions import db
from app.models import (
    ALERT_STATUSES,
    Alert,
    Benchmark,
    Boundary,
    Metric,
    Project,
    Report,
    ReportBenchmark,
    Threshold,
)
from app.models.types import utcnow
from app.services.lookup import MAX_MATCHES, only_match, uuid_matches


@dataclass(frozen=True)
class AlertSource:
    """Where an alert's metric came from: its report, benchmark and iteration."""

    report: Report
    benchmark: Benchmark
    iteration: int


@dataclass(frozen=True)
class AlertWithMetric:
    """An alert (its boundary loaded), the metric it judged (its measure loaded), that metric's
    benchmark name and report uuid: what :class:`app.schemas.alert.AlertSchema` shows."""

    alert: Alert
    metric: Metric
    benchmark: str
    report: str


def _project_alerts(project: Project):
    """Alerts of ``project`` with boundary, metric, measure, benchmark and report, in one
    statement."""
    return (
        select(Alert, Metric, Benchmark.name, Report.uuid)
        .join(Alert.boundary)
        .join(Threshold, Boundary.threshold_id == Threshold.id)
        .join(Metric, Boundary.metric_id == Metric.id)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .join(Benchmark, ReportBenchmark.benchmark_id == Benchmark.id)
        .join(Report, ReportBenchmark.report_id == Report.id)
        .options(contains_eager(Alert.boundary))
        .where(Threshold.project_id == project.id)
    )


def list_alerts(
    project: Project, status: str | None, page: int, per_page: int
) -> list[AlertWithMetric]:
    """One page of the project's alerts, newest first, optionally of one ``status``."""
    query = _project_alerts(project)
    if status is not None:
        if status not in ALERT_STATUSES:
            raise BadRequest(f"unknown alert status {status!r}; one of {', '.join(ALERT_STATUSES)}")
        query = query.where(Alert.status == status)
    query = query.order_by(Alert.created.desc(), Alert.id.desc())
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [AlertWithMetric(*row) for row in rows]


def get_alert(project: Project, ref: str) -> AlertWithMetric:
    """The project's alert whose uuid is ``ref`` or starts with it (404, or 400 if ambiguous)."""
    query = _project_alerts(project).where(uuid_matches(Alert.uuid, ref))
    rows = db.session.execute(query.limit(MAX_MATCHES + 1)).all()
    return AlertWithMetric(*only_match(rows, ref, "alert", project.slug, lambda row: row[0].uuid))


def set_alert_status(project: Project, ref: str, status: str) -> AlertWithMetric:
    """Move the project's alert ``ref`` to ``status`` (the schema has checked the value)."""
    found = get_alert(project, ref)
    found.alert.status = status
    found.alert.modified = utcnow()
    db.session.flush()
    return found


def dismiss_active_alerts(project: Project) -> int:
    """Dismiss every active alert of ``project`` in one statement; return how many moved."""
    boundaries = (
        select(Boundary.id)
        .join(Threshold, Boundary.threshold_id == Threshold.id)
        .where(Threshold.project_id == project.id)
    )
    result = db.session.execute(
        update(Alert)
        .where(Alert.status == "active", Alert.boundary_id.in_(boundaries))
        .values(status="dismissed", modified=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def alert_source(found: AlertWithMetric) -> AlertSource:
    """The report, benchmark and iteration of the alert's metric, in one statement."""
    report, benchmark, iteration = db.session.execute(
        select(Report, Benchmark, ReportBenchmark.iteration)
        .join(ReportBenchmark, ReportBenchmark.report_id == Report.id)
        .join(Benchmark, ReportBenchmark.benchmark_id == Benchmark.id)
        .where(ReportBenchmark.id == found.metric.report_benchmark_id)
    ).one()
    return AlertSource(report, benchmark, iteration)
