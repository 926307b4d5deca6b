"""Perf chunks: ``perf_series`` and ``perf_chunk`` hold each perf series' stored rows joined in
order, :data:`app.services.perf_chunks.CHUNK_ROWS` at a time, so the perf query fetches a few
long texts instead of selecting and joining every row.

Filled here for every existing series with the code processing uses
(:func:`app.services.perf_chunks.seal_all`), for the same reason as 0006.

Revision ID: 0007
Revises: 0006

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from app.models.types import UTCDateTime
from app.services.perf_chunks import seal_all

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SERIES = ["head_id", "testbed_id", "benchmark_id", "measure_id"]


def upgrade():
    op.create_table(
        "perf_series",
        *(sa.Column(column, sa.Integer(), nullable=False) for column in SERIES),
        sa.Column("sealed_time", UTCDateTime(), nullable=True),
        sa.Column("sealed_id", sa.Integer(), nullable=True),
        sa.Column("unsealed", sa.Integer(), nullable=True),
        *(
            sa.ForeignKeyConstraint(
                [column],
                [f"{table}.id"],
                name=f"fk_perf_series_{column}_{table}",
                ondelete="CASCADE",
            )
            for column, table in zip(
                SERIES, ["head", "testbed", "benchmark", "measure"], strict=True
            )
        ),
        sa.PrimaryKeyConstraint(*SERIES, name="pk_perf_series"),
    )
    op.create_table(
        "perf_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        *(sa.Column(column, sa.Integer(), nullable=False) for column in SERIES),
        sa.Column("first_time", UTCDateTime(), nullable=False),
        sa.Column("last_time", UTCDateTime(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("perf_json", sa.Text(), nullable=False),
        sa.Column("points", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            SERIES,
            [f"perf_series.{column}" for column in SERIES],
            name="fk_perf_chunk_head_id_perf_series",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_perf_chunk"),
    )
    op.create_index("ix_perf_chunk_series", "perf_chunk", [*SERIES, "last_time"])
    seal_all(Session(bind=op.get_bind()))


def downgrade():
    op.drop_index("ix_perf_chunk_series", table_name="perf_chunk")
    op.drop_table("perf_chunk")
    op.drop_table("perf_series")
