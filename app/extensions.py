"""Flask extensions, created unbound and initialised by :func:`app.create_app`."""

from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
sock = Sock()


def dialect_insert(model, session=None):
    """An INSERT of ``model`` for the database of ``session`` (default: the app's), with its
    ``ON CONFLICT`` clauses."""
    dialect = (session or db.session).get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)
