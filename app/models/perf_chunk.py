"""Perf series sealed into chunks: the perf answer's stored rows, pre-joined per series.

A perf series is one head x testbed x benchmark x measure. Its rows are ordered by the key
(report start time, ``report_benchmark`` id), as the perf answer lists them. ``perf_chunk``
holds a series' oldest rows, :data:`app.services.perf_chunks.CHUNK_ROWS` at a time, as one
comma-separated text of their stored rows (``metric_perf``); ``perf_series`` says where the
chunks end (``sealed_time``, ``sealed_id``: the key of the last row in a chunk) and how many
rows come after them. :mod:`app.services.perf_chunks` says why and keeps both true.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, Integer, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

SERIES_COLUMNS = ("head_id", "testbed_id", "benchmark_id", "measure_id")


class PerfSeries(db.Model):
    """A series' chunking state: every row up to the sealed key is in one of its chunks,
    ``unsealed`` rows come after it (None: not counted yet, the next processing counts them)."""

    __tablename__ = "perf_series"

    head_id: Mapped[int] = mapped_column(
        ForeignKey("head.id", ondelete="CASCADE"), primary_key=True
    )
    testbed_id: Mapped[int] = mapped_column(
        ForeignKey("testbed.id", ondelete="CASCADE"), primary_key=True
    )
    benchmark_id: Mapped[int] = mapped_column(
        ForeignKey("benchmark.id", ondelete="CASCADE"), primary_key=True
    )
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_id: Mapped[int | None] = mapped_column(Integer)
    unsealed: Mapped[int | None] = mapped_column(Integer)


class PerfChunk(db.Model):
    """Consecutive rows of a series (every row of it from ``first_time`` to the key
    (``last_time``, ``last_id``)): their stored texts joined by commas in order, and their
    plot points."""

    __tablename__ = "perf_chunk"
    __table_args__ = (
        ForeignKeyConstraint(
            list(SERIES_COLUMNS),
            [f"perf_series.{column}" for column in SERIES_COLUMNS],
            ondelete="CASCADE",
        ),
        Index("ix_perf_chunk_series", *SERIES_COLUMNS, "last_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    head_id: Mapped[int] = mapped_column(Integer)
    testbed_id: Mapped[int] = mapped_column(Integer)
    benchmark_id: Mapped[int] = mapped_column(Integer)
    measure_id: Mapped[int] = mapped_column(Integer)
    first_time: Mapped[datetime] = mapped_column(UTCDateTime)
    last_time: Mapped[datetime] = mapped_column(UTCDateTime)
    last_id: Mapped[int] = mapped_column(Integer)
    perf_json: Mapped[str] = mapped_column(Text)
    # The rows' plot points: float64 (epoch seconds, value, lower, upper limit, alerted) x rows
    # (:func:`app.services.perf_chunks.chunk_points`).
    points: Mapped[bytes] = mapped_column(LargeBinary)
