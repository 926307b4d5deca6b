"""A remote job: one report's benchmark run, waiting for, held by, or finished on a runner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.report import Report
from app.models.runner import Runner, Spec
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow
from protocol import JOB_STATUSES


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        # The claim scans pending jobs by priority then age; keep that an index walk.
        Index("ix_job_claim_order", "status", "priority", "created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    spec_id: Mapped[int] = mapped_column(ForeignKey("spec.id"))
    image: Mapped[str] = mapped_column(String(1024))
    # "registry" is reserved on declarative classes; the column keeps the plain name.
    registry_host: Mapped[str] = mapped_column("registry", String(256))
    repository: Mapped[str] = mapped_column(String(512))
    digest: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    runner_id: Mapped[int | None] = mapped_column(ForeignKey("runner.id"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    output_key: Mapped[str | None] = mapped_column(String(256))
    #: Processing attempts started; the job fails after BENCHER_MAX_PROCESSING_ATTEMPTS.
    processing_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The live log (``job_log_chunk``): highest batch stored, bytes kept, bytes dropped.
    log_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    log_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    log_dropped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    report: Mapped[Report] = relationship(lazy="joined")
    spec: Mapped[Spec] = relationship(lazy="joined")
    runner: Mapped[Runner | None] = relationship(lazy="joined")
