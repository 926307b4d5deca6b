"""The migrations build the schema on both databases and take it down again cleanly."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.support.database import make_settings


def test_upgrade_then_downgrade_to_empty(database_url, tmp_path):
    app = create_app(make_settings(tmp_path, database_url))
    with app.app_context():
        upgrade()  # already at head: a no-op
        assert "job" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert {"job", "metric", "alert", "runner_spec"} <= set(
            inspect(db.engine).get_table_names()
        )
        db.engine.dispose()
