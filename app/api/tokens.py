from flask import Blueprint

from app.api.common import require_user
from app.extensions import db
from app.schemas.token import TokenOutSchema
from app.services.tokens import list_tokens, revoke_token

bp = Blueprint("tokens", __name__)


@bp.get("/tokens")
def get_tokens():
    """The caller's own API tokens, without secrets."""
    return TokenOutSchema(many=True).dump(list_tokens(require_user()))


@bp.delete("/tokens/<token>")
def delete_token(token: str):
    """Revoke one of the caller's tokens by its uuid; the request may use that very token."""
    revoked = revoke_token(require_user(), token)
    db.session.commit()
    return TokenOutSchema().dump(revoked)
