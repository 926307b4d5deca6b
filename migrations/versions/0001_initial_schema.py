"""Initial schema: every table of docs/ARCHITECTURE.md.

Revision ID: 0001
Revises:

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "plan IN ('unclaimed', 'free', 'paid')", name=op.f("ck_organization_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("slug", name=op.f("uq_organization_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_organization_uuid")),
    )
    op.create_table(
        "runner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runner")),
        sa.UniqueConstraint("slug", name=op.f("uq_runner_slug")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_runner_token_hash")),
        sa.UniqueConstraint("uuid", name=op.f("uq_runner_uuid")),
    )
    op.create_table(
        "spec",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("architecture", sa.String(length=32), nullable=False),
        sa.Column("cpu", sa.Integer(), nullable=False),
        sa.Column("memory", sa.BigInteger(), nullable=False),
        sa.Column("disk", sa.BigInteger(), nullable=False),
        sa.Column("network", sa.Boolean(), nullable=False),
        sa.Column("sandbox", sa.String(length=32), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spec")),
        sa.UniqueConstraint("slug", name=op.f("uq_spec_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_spec_uuid")),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('public', 'private')", name=op.f("ck_project_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_project_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("slug", name=op.f("uq_project_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_project_uuid")),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "runner_spec",
        sa.Column("runner_id", sa.Integer(), nullable=False),
        sa.Column("spec_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["runner.id"],
            name=op.f("fk_runner_spec_runner_id_runner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["spec_id"], ["spec.id"], name=op.f("fk_runner_spec_spec_id_spec"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("runner_id", "spec_id", name=op.f("pk_runner_spec")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_user_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
        sa.UniqueConstraint("uuid", name=op.f("uq_user_uuid")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
        sa.UniqueConstraint("uuid", name=op.f("uq_api_token_uuid")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "benchmark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_benchmark_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_benchmark_project_id_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_benchmark_uuid")),
    )
    op.create_table(
        "branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_branch_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch")),
        sa.UniqueConstraint("project_id", "slug", name=op.f("uq_branch_project_id_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_branch_uuid")),
    )
    op.create_table(
        "measure",
        sa.Column("units", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_measure_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
        sa.UniqueConstraint("project_id", "slug", name=op.f("uq_measure_project_id_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_measure_uuid")),
    )
    op.create_table(
        "testbed",
        sa.Column("spec_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_testbed_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["spec_id"], ["spec.id"], name=op.f("fk_testbed_spec_id_spec")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testbed")),
        sa.UniqueConstraint("project_id", "slug", name=op.f("uq_testbed_project_id_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_testbed_uuid")),
    )
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("testbed_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("adapter", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=256), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'processed', 'failed')", name=op.f("ck_report_status")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_report_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_report_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["testbed_id"], ["testbed.id"], name=op.f("fk_report_testbed_id_testbed")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_report_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint(
            "project_id", "idempotency_key", name=op.f("uq_report_project_id_idempotency_key")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_report_uuid")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_created"), ["created"], unique=False)

    op.create_table(
        "threshold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("testbed_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
            name=op.f("fk_threshold_branch_id_branch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_threshold_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_threshold_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["testbed_id"],
            ["testbed.id"],
            name=op.f("fk_threshold_testbed_id_testbed"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threshold")),
        sa.UniqueConstraint(
            "branch_id",
            "testbed_id",
            "measure_id",
            name=op.f("uq_threshold_branch_id_testbed_id_measure_id"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_threshold_uuid")),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("spec_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.String(length=1024), nullable=False),
        sa.Column("registry", sa.String(length=256), nullable=False),
        sa.Column("repository", sa.String(length=512), nullable=False),
        sa.Column("digest", sa.String(length=100), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("runner_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_heartbeat", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("output_key", sa.String(length=256), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'running', 'completed', 'processed', 'failed', 'canceled')",
            name=op.f("ck_job_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_job_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_job_report_id_report"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["runner_id"], ["runner.id"], name=op.f("fk_job_runner_id_runner")),
        sa.ForeignKeyConstraint(["spec_id"], ["spec.id"], name=op.f("fk_job_spec_id_spec")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("report_id", name=op.f("uq_job_report_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_job_uuid")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_claim_order", ["status", "priority", "created"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_job_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_job_runner_id"), ["runner_id"], unique=False)

    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("threshold_id", sa.Integer(), nullable=False),
        sa.Column("test", sa.String(length=16), nullable=False),
        sa.Column("min_sample_size", sa.Integer(), nullable=True),
        sa.Column("max_sample_size", sa.Integer(), nullable=True),
        sa.Column("window", sa.Integer(), nullable=True),
        sa.Column("lower_boundary", sa.Float(), nullable=True),
        sa.Column("upper_boundary", sa.Float(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["threshold_id"],
            ["threshold.id"],
            name=op.f("fk_model_threshold_id_threshold"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model")),
        sa.UniqueConstraint("uuid", name=op.f("uq_model_uuid")),
    )
    with op.batch_alter_table("model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_threshold_id"), ["threshold_id"], unique=False)

    op.create_table(
        "report_benchmark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("benchmark_id", sa.Integer(), nullable=False),
        sa.Column("iteration", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("testbed_id", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["benchmark_id"],
            ["benchmark.id"],
            name=op.f("fk_report_benchmark_benchmark_id_benchmark"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_report_benchmark_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_benchmark_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["testbed_id"], ["testbed.id"], name=op.f("fk_report_benchmark_testbed_id_testbed")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_benchmark")),
        sa.UniqueConstraint(
            "report_id",
            "iteration",
            "benchmark_id",
            name=op.f("uq_report_benchmark_report_id_iteration_benchmark_id"),
        ),
    )
    with op.batch_alter_table("report_benchmark", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_benchmark_history",
            ["benchmark_id", "branch_id", "testbed_id", "start_time"],
            unique=False,
        )

    op.create_table(
        "metric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("report_benchmark_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower_value", sa.Float(), nullable=True),
        sa.Column("upper_value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_metric_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["report_benchmark_id"],
            ["report_benchmark.id"],
            name=op.f("fk_metric_report_benchmark_id_report_benchmark"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric")),
        sa.UniqueConstraint(
            "report_benchmark_id",
            "measure_id",
            name=op.f("uq_metric_report_benchmark_id_measure_id"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_metric_uuid")),
    )
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("metric_id", sa.Integer(), nullable=False),
        sa.Column("threshold_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["metric_id"],
            ["metric.id"],
            name=op.f("fk_boundary_metric_id_metric"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["model.id"], name=op.f("fk_boundary_model_id_model"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["threshold_id"],
            ["threshold.id"],
            name=op.f("fk_boundary_threshold_id_threshold"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boundary")),
        sa.UniqueConstraint("metric_id", name=op.f("uq_boundary_metric_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_boundary_uuid")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("boundary_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("side IN ('lower', 'upper')", name=op.f("ck_alert_side")),
        sa.CheckConstraint(
            "status IN ('active', 'dismissed', 'silenced')", name=op.f("ck_alert_status")
        ),
        sa.ForeignKeyConstraint(
            ["boundary_id"],
            ["boundary.id"],
            name=op.f("fk_alert_boundary_id_boundary"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("boundary_id", name=op.f("uq_alert_boundary_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_alert_uuid")),
    )

    # threshold.model_id and model.threshold_id reference each other: add this one last.
    with op.batch_alter_table("threshold", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_threshold_model_id_model", "model", ["model_id"], ["id"])


def downgrade():
    with op.batch_alter_table("threshold", schema=None) as batch_op:
        batch_op.drop_constraint("fk_threshold_model_id_model", type_="foreignkey")
    op.drop_table("alert")
    op.drop_table("boundary")
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_measure_id"))

    op.drop_table("metric")
    with op.batch_alter_table("report_benchmark", schema=None) as batch_op:
        batch_op.drop_index("ix_report_benchmark_history")

    op.drop_table("report_benchmark")
    with op.batch_alter_table("model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_threshold_id"))

    op.drop_table("model")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runner_id"))
        batch_op.drop_index(batch_op.f("ix_job_organization_id"))
        batch_op.drop_index("ix_job_claim_order")

    op.drop_table("job")
    op.drop_table("threshold")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_created"))

    op.drop_table("report")
    op.drop_table("testbed")
    op.drop_table("measure")
    op.drop_table("branch")
    op.drop_table("benchmark")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_organization_id"))

    op.drop_table("user")
    op.drop_table("runner_spec")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_organization_id"))

    op.drop_table("project")
    op.drop_table("spec")
    op.drop_table("runner")
    op.drop_table("organization")
