"""Server set-up used by ``bencher server`` commands: migrations, the first admin, the spec and
runner of the embedded single-machine mode, and rebuilding the perf chunks."""

from __future__ import annotations

from dataclasses import dataclass

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import PerfChunk, PerfSeries, Project, Runner, Spec, User
from app.services.auth import RUNNER_TOKEN_PREFIX, generate_token, hash_token, init_server
from app.services.perf_chunks import seal_all
from app.services.projects import create_project
from app.services.runners import add_runner_spec, create_runner, create_spec

#: The name of the admin token ``bencher server up`` mints; each start revokes the last one.
UP_TOKEN_NAME = "bencher server up"
LOCAL_SPEC = {"slug": "default", "cpu": 2, "memory": 1 << 30, "disk": 4 << 30, "fallback": True}


@dataclass(frozen=True)
class EmbeddedCredentials:
    admin_token: str
    runner_slug: str
    runner_token: str


def upgrade_database(app) -> None:
    with app.app_context():
        upgrade()


def initialise(email: str, org_slug: str, plan: str, token_name: str = "admin") -> str:
    """Apply migrations, ensure the admin user and organisation; return a new admin token.

    The tokens this admin already has under ``token_name`` are revoked when that is
    :data:`UP_TOKEN_NAME`: each ``server up`` prints a new one, and an old one left valid would
    be a secret nobody remembers to rotate.
    """
    app = create_app()
    upgrade_database(app)
    with app.app_context():
        token = init_server(
            email, org_slug, org_slug.title(), plan, token_name, token_name == UP_TOKEN_NAME
        )
        db.session.commit()
    return token


def rebuild_perf_chunks() -> tuple[int, int]:
    """Seal every perf series again from its stored rows and commit (after bringing the schema
    up to date, as ``init`` does); (series, chunks)."""
    app = create_app()
    upgrade_database(app)
    with app.app_context():
        seal_all()
        db.session.commit()
        return (
            db.session.scalar(select(func.count()).select_from(PerfSeries)),
            db.session.scalar(select(func.count()).select_from(PerfChunk)),
        )


def provision_embedded(runner_slug: str = "local") -> EmbeddedCredentials:
    """Everything the one-machine mode needs: schema, admin, a fallback spec, a local runner
    and a public ``demo`` project.

    Safe to repeat on the same data: existing rows are kept; the admin and runner get fresh
    tokens (only hashes are stored, so the old secrets cannot be shown again), and the admin
    token of the previous start is revoked.
    """
    admin_token = initialise("admin@localhost", "default", "free", UP_TOKEN_NAME)
    with create_app().app_context():
        spec = db.session.scalar(select(Spec).where(Spec.slug == LOCAL_SPEC["slug"]))
        if spec is None:
            spec = create_spec(dict(LOCAL_SPEC))
        runner = db.session.scalar(select(Runner).where(Runner.slug == runner_slug))
        if runner is None:
            runner, runner_token = create_runner(runner_slug, "this machine")
        else:
            runner_token = generate_token(RUNNER_TOKEN_PREFIX)
            runner.token_hash = hash_token(runner_token)
            runner.archived = False
        add_runner_spec(runner, spec)
        if db.session.scalar(select(Project.id).where(Project.slug == "demo")) is None:
            admin = db.session.scalar(select(User).where(User.email == "admin@localhost"))
            create_project(admin, "demo", "demo", "public")
        db.session.commit()
    return EmbeddedCredentials(admin_token, runner_slug, runner_token)
