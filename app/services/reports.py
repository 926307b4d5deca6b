"""Reports as users see them: results per benchmark and measure, with boundaries and alerts."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlalchemy import select

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
    Threshold,
)
from app.services.branches import BranchDetails, branch_details
from app.services.history import metric_history
from app.services.lookup import MAX_MATCHES, only_match, uuid_matches


@dataclass(frozen=True)
class ReportDetails:
    """What :class:`app.schemas.report.ReportSchema` shows of a report.

    ``results`` holds one :class:`ResultRow` per metric, ordered by iteration, benchmark and
    measure.
    """

    report: Report
    job: Job | None
    results: list[ResultRow]
    branch: BranchDetails  # the report's branch on the head the report was made on

    @property
    def alerts(self) -> list[ResultRow]:
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
class ResultRow:
    """One metric of a report with its boundary and alert (those columns are null where the
    metric was not judged or raised no alert).

    ``baseline`` is what the value is compared with: the boundary's baseline when a threshold
    judged the metric and its model has one (``baseline_source`` ``"threshold"``), else the
    previous value of the same benchmark and measure on the report's head and testbed, which
    includes the start point's versions, so a pull request's first run compares with its base
    (``"previous"``); null with a null source when there is neither.
    """

    iteration: int
    benchmark: str
    benchmark_id: int
    benchmark_uuid: str
    measure: str
    measure_name: str
    measure_id: int
    measure_uuid: str
    units: str | None
    value: float
    lower_value: float | None
    upper_value: float | None
    baseline: float | None
    lower_limit: float | None
    upper_limit: float | None
    p_value: float | None
    adjusted_p_value: float | None
    boundary_id: int | None
    false_alert_probability: float | None
    threshold_uuid: str | None
    alert_uuid: str | None
    alert_side: str | None
    alert_status: str | None
    baseline_source: str | None = None


_COLUMNS = [f.name for f in fields(ResultRow) if f.name != "baseline_source"]


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
    """The report with its job and its results: one query for the job (unless given), one for
    all the results, whatever their number, and one per measure that has metrics no threshold
    gave a baseline (their previous values)."""
    if job is None:
        job = db.session.scalar(select(Job).where(Job.report_id == report.id))
    results = _with_baselines(report, _results(report))
    return ReportDetails(report, job, results, branch_details(report.branch, report.head))


def _with_baselines(report: Report, rows: list[ResultRow]) -> list[ResultRow]:
    """Each row with its baseline and where it came from (see :class:`ResultRow`)."""
    unjudged: dict[int, set[int]] = {}
    for row in rows:
        if row.baseline is None:
            unjudged.setdefault(row.measure_id, set()).add(row.benchmark_id)
    previous = {
        (measure_id, benchmark_id): values[0]
        for measure_id, benchmark_ids in unjudged.items()
        for benchmark_id, values in metric_history(
            sorted(benchmark_ids),
            head_id=report.head_id,
            testbed_id=report.testbed_id,
            measure_id=measure_id,
            until=report.start_time,
            limit=1,
            exclude_report_id=report.id,
        ).items()
    }
    done = []
    for row in rows:
        if row.baseline is not None:
            done.append(replace(row, baseline_source="threshold"))
        elif (before := previous.get((row.measure_id, row.benchmark_id))) is not None:
            done.append(replace(row, baseline=before, baseline_source="previous"))
        else:
            done.append(row)
    return done


def _results(report: Report) -> list[ResultRow]:
    rows = db.session.execute(
        select(
            ReportBenchmark.iteration,
            Benchmark.name.label("benchmark"),
            Benchmark.id.label("benchmark_id"),
            Benchmark.uuid.label("benchmark_uuid"),
            Measure.slug.label("measure"),
            Measure.name.label("measure_name"),
            Measure.id.label("measure_id"),
            Measure.uuid.label("measure_uuid"),
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
            Threshold.uuid.label("threshold_uuid"),
            Alert.uuid.label("alert_uuid"),
            Alert.side.label("alert_side"),
            Alert.status.label("alert_status"),
        )
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .join(Benchmark, ReportBenchmark.benchmark_id == Benchmark.id)
        .join(Measure, Metric.measure_id == Measure.id)
        .outerjoin(Boundary, Boundary.metric_id == Metric.id)
        .outerjoin(Threshold, Boundary.threshold_id == Threshold.id)
        .outerjoin(Alert, Alert.boundary_id == Boundary.id)
        .where(ReportBenchmark.report_id == report.id)
        .order_by(ReportBenchmark.iteration, Benchmark.name, Measure.slug)
    )
    return [ResultRow(**{name: getattr(row, name) for name in _COLUMNS}) for row in rows]
