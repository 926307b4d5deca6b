"""A project and the dimensions its results are filed under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.organization import Organization
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow

VISIBILITIES = ("public", "private")


class Project(db.Model):
    __tablename__ = "project"
    __table_args__ = (CheckConstraint(f"visibility IN {VISIBILITIES}", name="visibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")


class _ProjectDimension:
    """Columns shared by branch, testbed, measure and benchmark: a named slug in a project."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(String(1024))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Branch(_ProjectDimension, db.Model):
    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("project_id", "slug"),)

    # The current head (see app.models.version); use_alter: branch <-> head is a cycle.
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("head.id", use_alter=True, name="fk_branch_head_id_head", ondelete="SET NULL")
    )
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived: Mapped[datetime | None] = mapped_column(UTCDateTime)

    head = relationship("Head", foreign_keys=[head_id], post_update=True)


class Testbed(_ProjectDimension, db.Model):
    __tablename__ = "testbed"
    __table_args__ = (UniqueConstraint("project_id", "slug"),)

    spec_id: Mapped[int | None] = mapped_column(ForeignKey("spec.id"))


class Measure(_ProjectDimension, db.Model):
    __tablename__ = "measure"
    __table_args__ = (UniqueConstraint("project_id", "slug"),)

    units: Mapped[str] = mapped_column(String(64))


class Benchmark(_ProjectDimension, db.Model):
    __tablename__ = "benchmark"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
