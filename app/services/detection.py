"""Threshold detection: judge a report's new metrics against their history.

For every threshold of the report's branch and testbed, one query (:func:`metric_history`)
fetches the historical sample of all the report's benchmarks for that measure, as the
threshold's model defines it. The statement count grows with the number of thresholds, not of
benchmarks.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import thresholds
from app.extensions import db
from app.models import Alert, Boundary, Metric, Report, ReportBenchmark, Threshold
from app.models.types import new_uuid, utcnow
from app.services.history import metric_history


def detect(report: Report, ignored_benchmarks: set[int] = frozenset()) -> int:
    """Create boundaries (and alerts) for ``report``'s metrics; return the number of alerts."""
    active = db.session.scalars(
        select(Threshold).where(
            Threshold.branch_id == report.branch_id,
            Threshold.testbed_id == report.testbed_id,
            Threshold.model_id.is_not(None),
        )
    ).all()
    alerts = 0
    for threshold in active:
        alerts += _judge(report, threshold, ignored_benchmarks)
    return alerts


def _current_metrics(report: Report, measure_id: int):
    return db.session.execute(
        select(Metric.id, Metric.value, ReportBenchmark.benchmark_id)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.report_id == report.id, Metric.measure_id == measure_id)
    ).all()


def _history(report: Report, threshold: Threshold, benchmark_ids: list[int]) -> dict[int, list]:
    """Per benchmark, the sample the threshold's model judges ``report`` against: the same
    branch, testbed and measure, newest first, within the model's window and sample size, never
    the report itself."""
    # Kept as its own function: benchmarks/bench_processing.py times the history by this name.
    model = threshold.model
    return metric_history(
        benchmark_ids,
        branch_id=report.branch_id,
        testbed_id=report.testbed_id,
        measure_id=threshold.measure_id,
        until=report.start_time,
        since=report.start_time - timedelta(seconds=model.window) if model.window else None,
        limit=model.max_sample_size or None,
        exclude_report_id=report.id,
    )


def _judge(report: Report, threshold: Threshold, ignored: set[int]) -> int:
    model = threshold.model
    current = _current_metrics(report, threshold.measure_id)
    if not current:
        return 0
    history = _history(report, threshold, sorted({b for _, _, b in current}))
    boundaries, alerts = [], []
    for metric_id, value, benchmark_id in current:
        sample = history.get(benchmark_id, [])
        if model.min_sample_size and len(sample) < model.min_sample_size:
            continue
        limits = thresholds.compute_limits(
            model.test,
            sample,
            lower_boundary=model.lower_boundary,
            upper_boundary=model.upper_boundary,
        )
        if limits == thresholds.NO_LIMITS:
            continue
        boundary_uuid = new_uuid()
        boundaries.append(
            {
                "uuid": boundary_uuid,
                "metric_id": metric_id,
                "threshold_id": threshold.id,
                "model_id": model.id,
                "baseline": limits.baseline,
                "lower_limit": limits.lower_limit,
                "upper_limit": limits.upper_limit,
            }
        )
        side = None if benchmark_id in ignored else limits.outlier(value)
        if side:
            alerts.append((boundary_uuid, side))
    if not boundaries:
        return 0
    db.session.execute(Boundary.__table__.insert(), boundaries)
    if alerts:
        ids = dict(
            db.session.execute(
                select(Boundary.uuid, Boundary.id).where(Boundary.uuid.in_([u for u, _ in alerts]))
            ).all()
        )
        now = utcnow()
        db.session.execute(
            Alert.__table__.insert(),
            [
                {
                    "uuid": new_uuid(),
                    "boundary_id": ids[u],
                    "side": side,
                    "status": "active",
                    "created": now,
                    "modified": now,
                }
                for u, side in alerts
            ],
        )
    return len(alerts)
