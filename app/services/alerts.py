"""Listing alerts and changing their status."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import BadRequest, NotFound
from app.extensions import db
from app.models import ALERT_STATUSES, Alert, Boundary, Metric, Project, Threshold
from app.models.types import utcnow


def _project_alerts(project: Project):
    return (
        select(Alert)
        .join(Boundary, Alert.boundary_id == Boundary.id)
        .join(Threshold, Boundary.threshold_id == Threshold.id)
        .where(Threshold.project_id == project.id)
    )


def list_alerts(project: Project, status: str | None, page: int, per_page: int) -> list[Alert]:
    query = _project_alerts(project)
    if status is not None:
        if status not in ALERT_STATUSES:
            raise BadRequest(f"unknown alert status {status!r}; one of {', '.join(ALERT_STATUSES)}")
        query = query.where(Alert.status == status)
    query = query.order_by(Alert.created.desc(), Alert.id.desc())
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all())


def get_alert(project: Project, ref: str) -> Alert:
    alert = db.session.scalar(_project_alerts(project).where(Alert.uuid == ref))
    if alert is None:
        raise NotFound(f"alert {ref!r} not found in project {project.slug!r}")
    return alert


def set_alert_status(alert: Alert, status: str) -> Alert:
    alert.status = status
    alert.modified = utcnow()
    db.session.flush()
    return alert


def alert_view(alert: Alert) -> dict:
    boundary = alert.boundary
    metric = db.session.get(Metric, boundary.metric_id)
    return {
        "uuid": alert.uuid,
        "side": alert.side,
        "status": alert.status,
        "value": metric.value,
        "measure": metric.measure.slug,
        "baseline": boundary.baseline,
        "lower_limit": boundary.lower_limit,
        "upper_limit": boundary.upper_limit,
        "created": alert.created.isoformat(),
        "modified": alert.modified.isoformat(),
    }
