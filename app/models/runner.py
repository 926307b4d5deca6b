"""Hardware specs, the runners that serve them, and which runner serves which spec."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UUID, UTCDateTime, new_uuid, utcnow

runner_spec = Table(
    "runner_spec",
    db.metadata,
    Column("runner_id", ForeignKey("runner.id", ondelete="CASCADE"), primary_key=True),
    Column("spec_id", ForeignKey("spec.id", ondelete="CASCADE"), primary_key=True),
)


class Spec(db.Model):
    """What a job needs from a runner's machine, and the limits its sandbox gets."""

    __tablename__ = "spec"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    architecture: Mapped[str] = mapped_column(String(32), default="x86_64")
    cpu: Mapped[int] = mapped_column(Integer, default=1)
    memory: Mapped[int] = mapped_column(BigInteger)
    disk: Mapped[int] = mapped_column(BigInteger)
    network: Mapped[bool] = mapped_column(Boolean, default=False)
    sandbox: Mapped[str] = mapped_column(String(32), default="runc")
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Runner(db.Model):
    """A machine that claims and runs jobs; authenticates with its own hashed token."""

    __tablename__ = "runner"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)

    specs: Mapped[list[Spec]] = relationship(secondary=runner_spec, lazy="selectin")
