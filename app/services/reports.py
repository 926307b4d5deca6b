"""Reports as users see them: results per benchmark and measure, with boundaries and alerts."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.models import (
    Alert,
    Benchmark,
    Boundary,
    Job,
    Measure,
    Metric,
    Project,
    Report,
    ReportBenchmark,
)


def get_report(project: Project, ref: str) -> Report:
    report = db.session.scalar(
        select(Report).where(Report.project_id == project.id, Report.uuid == ref)
    )
    if report is None:
        raise NotFound(f"report {ref!r} not found in project {project.slug!r}")
    return report


def report_view(report: Report, job: Job | None = None) -> dict:
    """The report's JSON: its settings, job, one row per metric, and the alerts raised."""
    if job is None:
        job = db.session.scalar(select(Job).where(Job.report_id == report.id))
    rows = db.session.execute(
        select(
            ReportBenchmark.iteration,
            Benchmark.name,
            Measure.slug,
            Measure.units,
            Metric.value,
            Metric.lower_value,
            Metric.upper_value,
            Boundary.baseline,
            Boundary.lower_limit,
            Boundary.upper_limit,
            Alert.uuid,
            Alert.side,
            Alert.status,
        )
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .join(Benchmark, ReportBenchmark.benchmark_id == Benchmark.id)
        .join(Measure, Metric.measure_id == Measure.id)
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
        .where(ReportBenchmark.report_id == report.id)
        .order_by(ReportBenchmark.iteration, Benchmark.name, Measure.slug)
    ).all()
    results, alerts = [], []
    for row in rows:
        alert = None
        if row.uuid is not None:
            alert = {"uuid": row.uuid, "side": row.side, "status": row.status}
        result = {
            "iteration": row.iteration,
            "benchmark": row.name,
            "measure": row.slug,
            "units": row.units,
            "value": row.value,
            "lower_value": row.lower_value,
            "upper_value": row.upper_value,
            "baseline": row.baseline,
            "lower_limit": row.lower_limit,
            "upper_limit": row.upper_limit,
            "alert": alert,
        }
        results.append(result)
        if alert is not None:
            alerts.append(
                {
                    "benchmark": row.name,
                    "measure": row.slug,
                    "value": row.value,
                    "baseline": row.baseline,
                    "lower_limit": row.lower_limit,
                    "upper_limit": row.upper_limit,
                    **alert,
                }
            )
    return {
        "uuid": report.uuid,
        "project": report.project.slug,
        "branch": report.branch.slug,
        "testbed": report.testbed.slug,
        "hash": report.hash,
        "adapter": report.adapter,
        "settings": report.settings,
        "start_time": report.start_time.isoformat(),
        "end_time": report.end_time.isoformat(),
        "status": report.status,
        "created": report.created.isoformat(),
        "job": job.uuid if job else None,
        "job_status": job.status if job else None,
        "results": results,
        "alerts": alerts,
    }
