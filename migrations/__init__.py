"""Alembic migrations, shipped as a package so an installed server can find them."""
