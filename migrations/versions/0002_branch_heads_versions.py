"""Branch history: versions, heads and start points.

Every existing branch gets one head holding its reports as versions, numbered in report order
(start time, then id); reports of one branch with the same commit hash share a version.

Revision ID: 0002
Revises: 0001

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade():
    op.create_table(
        "version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_version_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version")),
        sa.UniqueConstraint("uuid", name=op.f("uq_version_uuid")),
    )  # fmt: skip
    op.create_index("ix_version_project_hash", "version", ["project_id", "hash"], unique=False)
    op.create_table(
        "head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("start_point_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_head_branch_id_branch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_head")),
        sa.UniqueConstraint("uuid", name=op.f("uq_head_uuid")),
    )  # fmt: skip
    op.create_index(op.f("ix_head_branch_id"), "head", ["branch_id"], unique=False)
    op.create_table(
        "head_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["head_id"], ["head.id"], name=op.f("fk_head_version_head_id_head"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_head_version_version_id_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_head_version")),
        sa.UniqueConstraint(
            "head_id", "version_id", name=op.f("uq_head_version_head_id_version_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_head_version_version_id"), "head_version", ["version_id"], unique=False
    )
    with op.batch_alter_table("head") as batch_op:
        batch_op.create_foreign_key(
            "fk_head_start_point_id_head_version", "head_version", ["start_point_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
    with op.batch_alter_table("branch") as batch_op:
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("modified", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archived", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_branch_head_id_head", "head", ["head_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("report") as batch_op:
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("warnings", sa.JSON(), nullable=True))
    with op.batch_alter_table("report_benchmark") as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))

    _backfill(op.get_bind())

    with op.batch_alter_table("branch") as batch_op:
        batch_op.alter_column("modified", existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table("report") as batch_op:
        batch_op.alter_column("head_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("warnings", existing_type=sa.JSON(), nullable=False)
        batch_op.create_foreign_key(op.f("fk_report_head_id_head"), "head", ["head_id"], ["id"])
        batch_op.create_foreign_key(
            op.f("fk_report_version_id_version"), "version", ["version_id"], ["id"]
        )
        batch_op.create_index(op.f("ix_report_head_id"), ["head_id"], unique=False)
        batch_op.create_index(op.f("ix_report_version_id"), ["version_id"], unique=False)
    with op.batch_alter_table("report_benchmark") as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_report_benchmark_version_id_version"), "version", ["version_id"], ["id"]
        )
        # History now follows a head's versions, which span branches: the branch leaves the key.
        batch_op.drop_index("ix_report_benchmark_history")
        batch_op.create_index(
            "ix_report_benchmark_history", ["benchmark_id", "testbed_id", "start_time"]
        )


def _backfill(bind) -> None:
    """One head per branch; each report a version of it (a repeated hash reuses its version)."""
    meta = sa.MetaData()
    branch = sa.Table("branch", meta, autoload_with=bind)
    report = sa.Table("report", meta, autoload_with=bind)
    version = sa.Table("version", meta, autoload_with=bind)
    head = sa.Table("head", meta, autoload_with=bind)
    head_version = sa.Table("head_version", meta, autoload_with=bind)
    report_benchmark = sa.Table("report_benchmark", meta, autoload_with=bind)

    branches = bind.execute(sa.select(branch.c.id, branch.c.project_id, branch.c.created)).all()
    for branch_id, project_id, created in branches:
        head_id = bind.execute(
            head.insert()
            .values(uuid=str(uuid.uuid4()), branch_id=branch_id, created=created)
            .returning(head.c.id)
        ).scalar_one()
        bind.execute(
            branch.update()
            .where(branch.c.id == branch_id)
            .values(head_id=head_id, modified=created or datetime.now(UTC))
        )
        reports = bind.execute(
            sa.select(report.c.id, report.c.hash, report.c.created)
            .where(report.c.branch_id == branch_id)
            .order_by(report.c.start_time, report.c.id)
        ).all()
        by_hash: dict[str, int] = {}
        number = 0
        assignments = []
        for report_id, commit, report_created in reports:
            version_id = by_hash.get(commit) if commit else None
            if version_id is None:
                number += 1
                version_id = bind.execute(
                    version.insert()
                    .values(
                        uuid=str(uuid.uuid4()), project_id=project_id, number=number,
                        hash=commit, created=report_created,
                    )
                    .returning(version.c.id)
                ).scalar_one()  # fmt: skip
                bind.execute(head_version.insert().values(head_id=head_id, version_id=version_id))
                if commit:
                    by_hash[commit] = version_id
            assignments.append({"rid": report_id, "vid": version_id, "hid": head_id})
        for start in range(0, len(assignments), _BATCH):
            chunk = assignments[start : start + _BATCH]
            bind.execute(
                report.update()
                .where(report.c.id == sa.bindparam("rid"))
                .values(head_id=sa.bindparam("hid"), version_id=sa.bindparam("vid"), warnings=[]),
                chunk,
            )
            bind.execute(
                report_benchmark.update()
                .where(report_benchmark.c.report_id == sa.bindparam("rid"))
                .values(version_id=sa.bindparam("vid")),
                [{"rid": a["rid"], "vid": a["vid"]} for a in chunk],
            )


def downgrade():
    with op.batch_alter_table("report_benchmark") as batch_op:
        batch_op.drop_index("ix_report_benchmark_history")
        batch_op.create_index(
            "ix_report_benchmark_history",
            ["benchmark_id", "branch_id", "testbed_id", "start_time"],
        )
        batch_op.drop_constraint(op.f("fk_report_benchmark_version_id_version"), type_="foreignkey")
        batch_op.drop_column("version_id")
    with op.batch_alter_table("report") as batch_op:
        batch_op.drop_index(op.f("ix_report_version_id"))
        batch_op.drop_index(op.f("ix_report_head_id"))
        batch_op.drop_constraint(op.f("fk_report_version_id_version"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_report_head_id_head"), type_="foreignkey")
        batch_op.drop_column("warnings")
        batch_op.drop_column("version_id")
        batch_op.drop_column("head_id")
    with op.batch_alter_table("branch") as batch_op:
        batch_op.drop_constraint("fk_branch_head_id_head", type_="foreignkey")
        batch_op.drop_column("archived")
        batch_op.drop_column("modified")
        batch_op.drop_column("head_id")
    with op.batch_alter_table("head") as batch_op:
        batch_op.drop_constraint("fk_head_start_point_id_head_version", type_="foreignkey")
    op.drop_index(op.f("ix_head_version_version_id"), table_name="head_version")
    op.drop_table("head_version")
    op.drop_index(op.f("ix_head_branch_id"), table_name="head")
    op.drop_table("head")
    op.drop_index("ix_version_project_hash", table_name="version")
    op.drop_table("version")
