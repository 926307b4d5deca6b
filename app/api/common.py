"""What every view needs: the caller, the request body, paging."""

from __future__ import annotations

from flask import request
from marshmallow import Schema

from app.errors import BadRequest, Forbidden, Unauthorized
from app.models import User
from app.services.auth import authenticate_user, parse_bearer


def optional_user() -> User | None:
    """The caller, None when anonymous; a wrong token is always a 401."""
    token = parse_bearer(request.headers.get("Authorization"))
    return authenticate_user(token) if token else None


def require_user() -> User:
    user = optional_user()
    if user is None:
        raise Unauthorized("an API token is required: send 'Authorization: Bearer <token>'")
    return user


def require_admin() -> User:
    user = require_user()
    if not user.admin:
        raise Forbidden("this endpoint is for server administrators")
    return user


def load_body(schema: Schema) -> dict:
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return schema.load(body)


def paging(default_per_page: int = 50) -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise BadRequest("page and per_page must be whole numbers") from None
    if page < 1 or not 1 <= per_page <= 500:
        raise BadRequest("page must be >= 1 and per_page between 1 and 500")
    return page, per_page
