"""Reports as users see them: results per benchmark and measure, with boundaries and alerts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, select

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


@dataclass(frozen=True)
class ReportDetails:
    """What :class:`app.schemas.report.ReportSchema` shows of a report.

    ``results`` holds one row per metric, ordered by iteration, benchmark and measure, with the
    columns ``iteration, benchmark, measure, units, value, lower_value, upper_value, baseline,
    lower_limit, upper_limit, alert_uuid, alert_side, alert_status`` (boundary and alert
    columns are null where the metric was not judged or raised no alert).
    """

    report: Report
    job: Job | None
    results: list[Row]

    @property
    def alerts(self) -> list[Row]:
        """The results that raised an alert, in the same order."""
        return [row for row in self.results if row.alert_uuid is not None]


def get_report(project: Project, ref: str) -> Report:
    report = db.session.scalar(
        select(Report).where(Report.project_id == project.id, Report.uuid == ref)
    )
    if report is None:
        raise NotFound(f"report {ref!r} not found in project {project.slug!r}")
    return report


def report_details(report: Report, job: Job | None = None) -> ReportDetails:
    """The report with its job and its results: one query for the job (unless given) and one
    for all the results, whatever their number."""
    if job is None:
        job = db.session.scalar(select(Job).where(Job.report_id == report.id))
    return ReportDetails(report, job, _results(report))


def _results(report: Report) -> list[Row]:
    return list(
        db.session.execute(
            select(
                ReportBenchmark.iteration,
                Benchmark.name.label("benchmark"),
                Measure.slug.label("measure"),
                Measure.units,
                Metric.value,
                Metric.lower_value,
                Metric.upper_value,
                Boundary.baseline,
                Boundary.lower_limit,
                Boundary.upper_limit,
                Alert.uuid.label("alert_uuid"),
                Alert.side.label("alert_side"),
                Alert.status.label("alert_status"),
            )
            .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
            .join(Benchmark, ReportBenchmark.benchmark_id == Benchmark.id)
            .join(Measure, Metric.measure_id == Measure.id)
            .outerjoin(Boundary, Boundary.metric_id == Metric.id)
            .outerjoin(Alert, Alert.boundary_id == Boundary.id)
            .where(ReportBenchmark.report_id == report.id)
            .order_by(ReportBenchmark.iteration, Benchmark.name, Measure.slug)
        ).all()
    )
