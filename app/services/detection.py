"""Threshold detection: judge a report's new metrics against their history.

For every threshold of the report's branch and testbed, one query (:func:`metric_history`)
fetches the historical sample of all the report's benchmarks for that measure, as the
threshold's model defines it. The statement count grows with the number of thresholds, not of
benchmarks.

Every metric is judged first (limits, side, p-value); then Benjamini-Hochberg runs across each
family of the report under false-discovery control (``fdr`` on the model or on the run), and
only then are the boundaries and alerts inserted, in one statement each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

import thresholds
from app.extensions import db
from app.models import Alert, Boundary, Metric, Model, Report, ReportBenchmark, Threshold
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
    judged: list[_Judged] = []
    for threshold in active:
        judged += _judge(report, threshold, ignored_benchmarks)
    _control_false_discoveries(judged)
    return _store(judged)


def _current_metrics(report: Report, measure_id: int):
    return db.session.execute(
        select(Metric.id, Metric.value, ReportBenchmark.benchmark_id)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .where(ReportBenchmark.report_id == report.id, Metric.measure_id == measure_id)
    ).all()


def _history(report: Report, threshold: Threshold, benchmark_ids: list[int]) -> dict[int, list]:
    """Per benchmark, the sample the threshold's model judges ``report`` against: the report's
    head (its branch's history, start point included), testbed and measure, newest first, within
    the model's window and sample size, never the report itself."""
    # Kept as its own function: benchmarks/bench_processing.py times the history by this name.
    model = threshold.model
    return metric_history(
        benchmark_ids,
        head_id=report.head_id,
        testbed_id=report.testbed_id,
        measure_id=threshold.measure_id,
        until=report.start_time,
        since=report.start_time - timedelta(seconds=model.window) if model.window else None,
        limit=model.max_sample_size or None,
        exclude_report_id=report.id,
    )


def _judge(report: Report, threshold: Threshold, ignored: set[int]) -> list[_Judged]:
    """The verdict on each of the report's metrics of the threshold's measure, not yet stored:
    false-discovery control needs every threshold's p-values first."""
    model = threshold.model
    current = _current_metrics(report, threshold.measure_id)
    if not current:
        return []
    history = _history(report, threshold, sorted({b for _, _, b in current}))
    fdr = _fdr_level(report, model)
    judged = []
    for metric_id, value, benchmark_id in current:
        sample = history.get(benchmark_id, [])
        if model.min_sample_size and len(sample) < model.min_sample_size:
            continue
        verdict = thresholds.judge(
            model.test,
            sample,
            value,
            lower_boundary=model.lower_boundary,
            upper_boundary=model.upper_boundary,
            k=model.k,
        )
        if verdict.limits == thresholds.NO_LIMITS:
            continue
        limits, rate = verdict.limits, verdict.false_alert_probability
        ignore = benchmark_id in ignored
        row = {
            "uuid": new_uuid(),
            "metric_id": metric_id,
            "threshold_id": threshold.id,
            "model_id": model.id,
            "baseline": limits.baseline,
            "lower_limit": limits.lower_limit,
            "upper_limit": limits.upper_limit,
            "p_value": verdict.p_value,
            "adjusted_p_value": None,
            # An ignored benchmark never alerts, falsely or not.
            "false_alert_probability": 0.0 if ignore and rate is not None else rate,
        }
        family = None
        if fdr is not None and not ignore and verdict.p_value is not None:
            family = (model.test, fdr)
        judged.append(_Judged(row, None if ignore else verdict.side, family))
    return judged


@dataclass
class _Judged:
    """One metric's boundary row, the side it alerts on (None: no alert) and, under
    false-discovery control, its family: (test, fdr level)."""

    row: dict
    side: str | None
    family: tuple[str, float] | None


def _fdr_level(report: Report, model: Model) -> float | None:
    """The run's ``settings.fdr`` for the tests with valid p-values, else the model's own."""
    run_level = (report.settings or {}).get("fdr")
    if run_level is not None and model.test in thresholds.FDR_TESTS:
        return float(run_level)
    return model.fdr


def _control_false_discoveries(judged: list[_Judged]) -> None:
    """Benjamini-Hochberg within each family of the report: the metrics judged by the same test
    at the same ``fdr`` level, across thresholds. An alert stays only if its adjusted p-value
    is at most the level; every member records its adjusted p-value, and its false-alert
    probability becomes at most its share of the family's expected false discoveries."""
    families: dict[tuple[str, float], list[_Judged]] = defaultdict(list)
    for item in judged:
        if item.family is not None:
            families[item.family].append(item)
    for (_, fdr), members in families.items():
        adjusted = thresholds.adjusted_p_values([m.row["p_value"] for m in members])
        share = thresholds.expected_false_discoveries(len(members), fdr) / len(members)
        for member, adjusted_p in zip(members, adjusted, strict=True):
            member.row["adjusted_p_value"] = adjusted_p
            if adjusted_p > fdr:
                member.side = None
            rate = member.row["false_alert_probability"]
            if rate is not None:
                member.row["false_alert_probability"] = min(rate, share)


def _store(judged: list[_Judged]) -> int:
    """Insert the boundaries and their alerts; the number of alerts."""
    if not judged:
        return 0
    db.session.execute(Boundary.__table__.insert(), [item.row for item in judged])
    alerts = [(item.row["uuid"], item.side) for item in judged if item.side]
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
