"""Processing attempts: ``job.processing_attempts`` counts how often processing started.

After ``BENCHER_MAX_PROCESSING_ATTEMPTS`` the job fails instead of being re-queued by the
sweeper forever. Existing jobs start at 0.

Revision ID: 0005
Revises: 0004

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch_op:
        batch_op.add_column(
            sa.Column("processing_attempts", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_column("processing_attempts")
