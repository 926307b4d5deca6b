"""The Flask application a worker process uses for database access, built once per process."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Flask

_app: Flask | None = None


@contextmanager
def app_context():
    """An application context; the session is removed afterwards (each task starts clean)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    from app.extensions import db

    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.remove()
