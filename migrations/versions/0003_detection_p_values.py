"""Detection under noise: the mann_whitney model's k, false-discovery control, p-values.

``model`` gains ``k`` (mann_whitney) and ``fdr`` (Benjamini-Hochberg level); ``boundary`` gains
the raw and adjusted p-value and the false-alert probability of each judged metric. All are
nullable: existing models and boundaries keep their meaning.

Revision ID: 0003
Revises: 0002

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("model") as batch_op:
        batch_op.add_column(sa.Column("k", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fdr", sa.Float(), nullable=True))
    with op.batch_alter_table("boundary") as batch_op:
        batch_op.add_column(sa.Column("p_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("adjusted_p_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("false_alert_probability", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("boundary") as batch_op:
        batch_op.drop_column("false_alert_probability")
        batch_op.drop_column("adjusted_p_value")
        batch_op.drop_column("p_value")
    with op.batch_alter_table("model") as batch_op:
        batch_op.drop_column("fdr")
        batch_op.drop_column("k")
