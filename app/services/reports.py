"""Reports as users see them: results per benchmark and measure, with boundaries and alerts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, select

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
from app.services.branches import BranchDetails, branch_details
from app.services.lookup import MAX_MATCHES, only_match, uuid_matches


@dataclass(frozen=True)
class ReportDetails:
    """What :class:`app.schemas.report.ReportSchema` shows of a report.

    ``results`` holds one row per metric, ordered by iteration, benchmark and measure, with the
    columns ``iteration, benchmark, measure, units, value, lower_value, upper_value, baseline,
    lower_limit, upper_limit, p_value, adjusted_p_value, alert_uuid, alert_side, alert_status``
    and ``boundary_id``, ``false_alert_probability`` (boundary and alert columns are null where
    the metric was not judged or raised no alert).
    """

    report: Report
    job: Job | None
    results: list[Row]
    branch: BranchDetails  # the report's branch on the head the report was made on

    @property
    def alerts(self) -> list[Row]:
        """The results that raised an alert, in the same order."""
        return [row for row in self.results if row.alert_uuid is not None]

    @property
    def false_alerts(self) -> FalseAlerts:
        """How many alerts this report would raise by chance if no benchmark had changed."""
        judged = [row for row in self.results if row.boundary_id is not None]
        rates = [r.false_alert_probability for r in judged if r.false_alert_probability is not None]
        return FalseAlerts(
            expected=sum(rates) if rates else None,
            boundaries=len(judged),
            without_estimate=len(judged) - len(rates),
        )


@dataclass(frozen=True)
class FalseAlerts:
    """``expected``: the sum of the boundaries' false-alert probabilities (the number of alerts
    expected when nothing changed, at these settings and with the noise each test assumes);
    ``None`` when no boundary has one. ``without_estimate``: boundaries whose model has no
    probability (static, percentage, iqr, delta_iqr), left out of ``expected``."""

    expected: float | None
    boundaries: int
    without_estimate: int


def get_report(project: Project, ref: str) -> Report:
    """The project's report whose uuid is ``ref`` or starts with it (404, or 400 if ambiguous)."""
    reports = db.session.scalars(
        select(Report)
        .where(Report.project_id == project.id, uuid_matches(Report.uuid, ref))
        .limit(MAX_MATCHES + 1)
    ).all()
    return only_match(reports, ref, "report", project.slug, lambda report: report.uuid)


def report_details(report: Report, job: Job | None = None) -> ReportDetails:
    """The report with its job and its results: one query for the job (unless given) and one
    for all the results, whatever their number."""
    if job is None:
        job = db.session.scalar(select(Job).where(Job.report_id == report.id))
    return ReportDetails(report, job, _results(report), branch_details(report.branch, report.head))


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
                Boundary.p_value,
                Boundary.adjusted_p_value,
                Boundary.id.label("boundary_id"),
                Boundary.false_alert_probability,
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
