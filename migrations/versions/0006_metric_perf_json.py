"""Stored perf rows: ``metric.perf_json`` holds each metric's perf row as JSON text (its
threshold and live alert as markers), so the perf query only selects, orders and joins texts.

Backfilled here for every existing metric with the statement processing uses
(:func:`app.services.perf_json.perf_json_update`): the stored text must be exactly what a newly
processed report gets, and writing the concatenation twice would let the two drift apart.

Revision ID: 0006
Revises: 0005

"""

import sqlalchemy as sa
from alembic import op

from app.services.perf_json import perf_json_update

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("metric") as batch_op:
        batch_op.add_column(sa.Column("perf_json", sa.Text(), nullable=True))
    bind = op.get_bind()
    bind.execute(perf_json_update(bind.dialect.name))


def downgrade():
    with op.batch_alter_table("metric") as batch_op:
        batch_op.drop_column("perf_json")
