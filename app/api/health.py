from flask import Blueprint
from sqlalchemy import text

from app.extensions import db
from app.services import notifier

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Database and broker reachability; 503 when either is down."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as err:  # any driver error means "unreachable" here
        database = f"unreachable: {type(err).__name__}"
    broker = "ok" if notifier().ping() else "unreachable"
    healthy = database == "ok" and broker == "ok"
    return {"status": "ok" if healthy else "degraded", "database": database, "broker": broker}, (
        200 if healthy else 503
    )
