"""Thresholds, their statistical models, the boundaries computed per metric and alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.project import Branch, Measure, Testbed
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow
from protocol import ALERT_SIDES, ALERT_STATUSES


class Threshold(db.Model):
    __tablename__ = "threshold"
    __table_args__ = (UniqueConstraint("branch_id", "testbed_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    testbed_id: Mapped[int] = mapped_column(ForeignKey("testbed.id", ondelete="CASCADE"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    # use_alter breaks the threshold <-> model foreign-key cycle for table creation order.
    model_id: Mapped[int | None] = mapped_column(
        ForeignKey("model.id", use_alter=True, name="fk_threshold_model_id_model")
    )
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship(lazy="joined")
    testbed: Mapped[Testbed] = relationship(lazy="joined")
    measure: Mapped[Measure] = relationship(lazy="joined")
    model: Mapped[Model | None] = relationship(foreign_keys=[model_id], lazy="joined")


class Model(db.Model):
    """One version of a threshold's statistical test; replaced, never edited."""

    __tablename__ = "model"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    threshold_id: Mapped[int] = mapped_column(
        ForeignKey("threshold.id", ondelete="CASCADE"), index=True
    )
    test: Mapped[str] = mapped_column(String(16))
    min_sample_size: Mapped[int | None] = mapped_column(Integer)
    max_sample_size: Mapped[int | None] = mapped_column(Integer)
    window: Mapped[int | None] = mapped_column(Integer)
    lower_boundary: Mapped[float | None] = mapped_column(Float)
    upper_boundary: Mapped[float | None] = mapped_column(Float)
    # mann_whitney: how many of the latest results are tested together.
    k: Mapped[int | None] = mapped_column(Integer)
    # t_test, mann_whitney: Benjamini-Hochberg level across the report's p-values of this test.
    fdr: Mapped[float | None] = mapped_column(Float)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Boundary(db.Model):
    __tablename__ = "boundary"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id", ondelete="CASCADE"), unique=True)
    threshold_id: Mapped[int] = mapped_column(ForeignKey("threshold.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("model.id", ondelete="CASCADE"))
    baseline: Mapped[float | None] = mapped_column(Float)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    upper_limit: Mapped[float | None] = mapped_column(Float)
    # See thresholds.judgement: null where the model has no probability; adjusted only when
    # the metric was judged under false-discovery control.
    p_value: Mapped[float | None] = mapped_column(Float)
    adjusted_p_value: Mapped[float | None] = mapped_column(Float)
    false_alert_probability: Mapped[float | None] = mapped_column(Float)


class Alert(db.Model):
    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(f"status IN {ALERT_STATUSES}", name="status"),
        CheckConstraint(f"side IN {ALERT_SIDES}", name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    boundary_id: Mapped[int] = mapped_column(
        ForeignKey("boundary.id", ondelete="CASCADE"), unique=True
    )
    side: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    boundary: Mapped[Boundary] = relationship(lazy="joined")
