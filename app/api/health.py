from flask import Blueprint, current_app
from sqlalchemy import text

from app.extensions import db
from app.services import notifier

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Database and broker reachability; 503 when either is down. ``instance`` is
    ``BENCHER_INSTANCE_ID`` when set (``bencher server up`` checks it is talking to its own API)."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as err:  # any driver error means "unreachable" here
        database = f"unreachable: {type(err).__name__}"
    broker = "ok" if notifier().ping() else "unreachable"
    healthy = database == "ok" and broker == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database, "broker": broker}
    instance = current_app.config["BENCHER"].instance_id
    if instance:
        body["instance"] = instance
    return body, (200 if healthy else 503)
