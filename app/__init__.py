"""The Bencher API server: ``app:create_app()`` builds the Flask application.

The factory lives in :mod:`app.factory` and is imported on first use, so ``bencher server up``
checks its ports and programs before it pays for importing Flask and SQLAlchemy (a second
``up`` on taken ports fails within a second or two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.factory import create_app, normalise_database_url

__all__ = ["create_app", "normalise_database_url"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from app import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
