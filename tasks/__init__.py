"""Celery tasks. ``celery -A tasks worker`` finds the app as ``tasks.celery``."""

from tasks.celery_app import celery

__all__ = ["celery"]
