"""Server set-up used by ``bencher server`` commands: migrations and the first admin."""

from __future__ import annotations

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.services.auth import init_server


def upgrade_database(app) -> None:
    with app.app_context():
        upgrade()


def initialise(email: str, org_slug: str, plan: str) -> str:
    """Apply migrations, ensure the admin user and organisation; return a new admin token."""
    app = create_app()
    upgrade_database(app)
    with app.app_context():
        token = init_server(email, org_slug, org_slug.title(), plan)
        db.session.commit()
    return token
