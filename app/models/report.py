"""A report: one run's results, its benchmarks per iteration and their metrics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.project import Benchmark, Branch, Measure, Project, Testbed
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow
from app.models.version import Head, Version
from protocol import REPORT_STATUSES


class Report(db.Model):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key"),
        CheckConstraint(f"status IN {REPORT_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    head_id: Mapped[int] = mapped_column(ForeignKey("head.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    testbed_id: Mapped[int] = mapped_column(ForeignKey("testbed.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hash: Mapped[str | None] = mapped_column(String(64))
    adapter: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the server decided for the user and wants them to know (e.g. a start-point fallback).
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    idempotency_key: Mapped[str | None] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    project: Mapped[Project] = relationship(lazy="joined")
    branch: Mapped[Branch] = relationship(lazy="joined")
    head: Mapped[Head] = relationship(lazy="joined")
    version: Mapped[Version] = relationship(lazy="joined")
    testbed: Mapped[Testbed] = relationship(lazy="joined")


class ReportBenchmark(db.Model):
    """A benchmark's results in one iteration of a report.

    ``branch_id``, ``version_id``, ``testbed_id`` and ``start_time`` copy the report's (they
    never change once results exist) so that the history of one benchmark on a head is a single
    index range walk, newest first, keeping the rows whose version the head holds: its cost
    does not grow with the project's total history.
    """

    __tablename__ = "report_benchmark"
    __table_args__ = (
        UniqueConstraint("report_id", "iteration", "benchmark_id"),
        Index("ix_report_benchmark_history", "benchmark_id", "testbed_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    benchmark_id: Mapped[int] = mapped_column(ForeignKey("benchmark.id"))
    iteration: Mapped[int] = mapped_column(Integer, default=0)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    testbed_id: Mapped[int] = mapped_column(ForeignKey("testbed.id"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)

    benchmark: Mapped[Benchmark] = relationship(lazy="joined")


class Metric(db.Model):
    __tablename__ = "metric"
    __table_args__ = (UniqueConstraint("report_benchmark_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    report_benchmark_id: Mapped[int] = mapped_column(
        ForeignKey("report_benchmark.id", ondelete="CASCADE")
    )
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    lower_value: Mapped[float | None] = mapped_column(Float)
    upper_value: Mapped[float | None] = mapped_column(Float)

    measure: Mapped[Measure] = relationship(lazy="joined")


class MetricPerf(db.Model):
    """A metric's perf API row as JSON text, its threshold and alert as markers, written with
    its boundary when the report is processed (``app/services/perf_json.py``).

    Its own narrow table keyed like the metric, not a column of ``metric``: the perf query
    reads it instead of the metric, while the plot, the console and detection read metrics
    without carrying ~400 bytes of text per row (a metric column made the plot's statement
    ~15 % slower).
    """

    __tablename__ = "metric_perf"
    __table_args__ = (
        ForeignKeyConstraint(
            ["report_benchmark_id", "measure_id"],
            ["metric.report_benchmark_id", "metric.measure_id"],
            ondelete="CASCADE",
        ),
    )

    report_benchmark_id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(primary_key=True)
    perf_json: Mapped[str] = mapped_column(Text)
