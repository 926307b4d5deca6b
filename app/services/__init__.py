"""Domain logic. Services flush, never commit: the edge (view, socket, task) commits."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.blobs import FileBlobStore
from app.config import Settings
from app.extensions import db
from app.notify import RedisNotifier

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    settings: Settings = app.config["BENCHER"]
    app.extensions["bencher.notifier"] = RedisNotifier(settings.broker_url)
    app.extensions["bencher.blobs"] = FileBlobStore(settings.blob_dir)


def settings() -> Settings:
    return current_app.config["BENCHER"]


def notifier() -> RedisNotifier:
    return current_app.extensions["bencher.notifier"]


def blobs() -> FileBlobStore:
    return current_app.extensions["bencher.blobs"]


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current transaction commits; drop it if it rolls back.

    Notifications and Celery tasks go through this so nothing is announced that may not exist.
    """
    db.session.info.setdefault("on_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop("on_commit", []):
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop("on_commit", None)
