"""Branch history: versions (one per commit hash, or per run without one) and heads.

A branch's *head* is its current line of history: the versions it holds, some its own, some
cloned from the start point it was branched from (linked through ``head_version``, never
copied). A branch gets a new head when its start point changes or on reset; the old head is
kept, marked ``replaced``. Threshold history and perf queries follow the current head's
versions, so a pull-request branch started from ``main`` is judged against main's history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow


class Version(db.Model):
    """A point in a project's history: a commit ``hash`` (or none) with a ``number``.

    Numbers count up along a head, continuing from the versions cloned from its start point.
    """

    __tablename__ = "version"
    __table_args__ = (Index("ix_version_project_hash", "project_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Head(db.Model):
    """One line of a branch's history; ``start_point`` is the version it was branched from."""

    __tablename__ = "head"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    # use_alter: head <-> head_version is a foreign-key cycle.
    start_point_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "head_version.id",
            use_alter=True,
            name="fk_head_start_point_id_head_version",
            ondelete="SET NULL",
        )
    )
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch = relationship("Branch", foreign_keys=[branch_id])
    start_point: Mapped[HeadVersion | None] = relationship(foreign_keys=[start_point_id])


class HeadVersion(db.Model):
    """A version as part of a head's history."""

    __tablename__ = "head_version"
    __table_args__ = (UniqueConstraint("head_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    head_id: Mapped[int] = mapped_column(ForeignKey("head.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("version.id", ondelete="CASCADE"), index=True
    )

    head: Mapped[Head] = relationship(foreign_keys=[head_id], lazy="joined")
    version: Mapped[Version] = relationship(lazy="joined")
