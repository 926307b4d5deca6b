"""Stored perf rows: ``metric_perf`` holds each metric's perf row as JSON text (its threshold
and live alert as markers), so the perf query only selects, orders and joins texts.

Filled here for every existing metric with the statement processing uses
(:func:`app.services.perf_json.perf_json_insert`): the stored text must be exactly what a
newly processed report gets, and writing the concatenation twice would let the two drift apart.

Revision ID: 0006
Revises: 0005

"""

import sqlalchemy as sa
from alembic import op

from app.services.perf_json import perf_json_insert

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "metric_perf",
        sa.Column("report_benchmark_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("perf_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_benchmark_id", "measure_id"],
            ["metric.report_benchmark_id", "metric.measure_id"],
            name="fk_metric_perf_report_benchmark_id_metric",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_benchmark_id", "measure_id", name="pk_metric_perf"),
    )
    bind = op.get_bind()
    bind.execute(perf_json_insert(bind.dialect.name))


def downgrade():
    op.drop_table("metric_perf")
