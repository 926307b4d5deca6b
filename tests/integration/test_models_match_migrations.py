"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL.

A model change without its migration passes every test that only uses the models and breaks on
a real upgrade. Alembic's autogenerate comparison of a database built by the migrations against
the models' metadata finds it: what ``flask db migrate`` would write must be nothing.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Constraint, Index, create_engine

import app.models  # noqa: F401  (registers every table on the metadata)
from app.extensions import db

# Column types and server defaults as well as tables, columns, nullability, indexes, unique
# constraints and foreign keys; both compare cleanly on SQLite and PostgreSQL.
COMPARE = {"compare_type": True, "compare_server_default": True}


def _operations(differences: list) -> list[tuple]:
    """Alembic's differences, flattened: column changes come grouped in one list per column."""
    flat = []
    for difference in differences:
        flat.extend(difference if isinstance(difference, list) else [difference])
    return flat


def _describe(operation: tuple) -> str:
    name, *args = operation
    parts = []
    for arg in args:
        if isinstance(arg, Constraint | Index):
            columns = ", ".join(column.name for column in arg.columns)
            arg = f"{type(arg).__name__} {arg.name!r} on {arg.table.name}({columns})"
        parts.append(str(arg))
    return f"{name}: " + ", ".join(parts)


def test_migrated_database_matches_the_models(database_url):
    """``database_url`` is built by the migrations (see tests/support/database.py)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE)
            operations = _operations(compare_metadata(context, db.metadata))
    finally:
        engine.dispose()
    report = "\n".join(_describe(operation) for operation in operations)
    assert not operations, (
        "the models and the migrated database differ; write a migration "
        f"(`flask --app app db migrate` shows it):\n{report}"
    )
