"""A user's own API tokens: list them (never the secrets, which are not stored) and revoke one."""

from __future__ import annotations

from sqlalchemy import select, update

from app.errors import NotFound
from app.extensions import db
from app.models import ApiToken, User


def list_tokens(user: User) -> list[ApiToken]:
    """``user``'s tokens, oldest first, revoked ones included (marked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        ).all()
    )


def revoke_token(user: User, ref: str) -> ApiToken:
    """Revoke ``user``'s token with uuid ``ref``; a 404 for anyone else's, so ids leak nothing.

    Revoking twice is not an error: the token is revoked either way.
    """
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.uuid == ref)
    )
    if token is None:
        raise NotFound(f"token {ref!r} not found among your tokens; list them: bencher token list")
    token.revoked = True
    db.session.flush()
    return token


def revoke_named(user: User, name: str) -> int:
    """Revoke every live token of ``user`` called ``name``; how many there were."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.name == name, ApiToken.revoked.is_(False))
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
