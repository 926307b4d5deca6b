"""Live job logs: the batches a runner streams while the job runs.

``job_log_chunk`` holds one row per batch, unique per (job, seq) so a resend after a reconnect
is a no-op. ``job`` gains ``log_seq`` (the highest batch stored, which the runner resends
after), ``log_bytes`` (bytes kept) and ``log_dropped`` (bytes dropped from the middle once the
log passed ``BENCHER_MAX_LOG_BYTES``); existing jobs start at 0.

Revision ID: 0004
Revises: 0003

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_log_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=6), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("head", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_log_chunk_job_id_seq"),
    )
    with op.batch_alter_table("job") as batch_op:
        batch_op.add_column(sa.Column("log_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("log_bytes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("log_dropped", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_column("log_dropped")
        batch_op.drop_column("log_bytes")
        batch_op.drop_column("log_seq")
    op.drop_table("job_log_chunk")
