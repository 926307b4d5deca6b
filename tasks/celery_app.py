"""The Celery application, configured from ``celeryconfig``. Imports nothing from ``app``."""

from celery import Celery

celery = Celery("bencher", include=["tasks.processing", "tasks.sweeper", "tasks.warmup"])
celery.config_from_object("celeryconfig")
