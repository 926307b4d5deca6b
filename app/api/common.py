"""What every view needs: the caller, the request body, paging."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema

from app.errors import BadRequest, Forbidden, Unauthorized
from app.models import User
from app.services.auth import authenticate_user, parse_bearer

#: Arrays and objects inside one another in a request body. Ours nest 5 deep; a deeper body is
#: refused with a 400 before a recursive parser or serialiser can exhaust the stack.
MAX_JSON_DEPTH = 32


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


def json_body() -> Any:
    """The request's JSON body, None when there is none or it is not JSON.

    Parsed here rather than by ``request.get_json``, which lets the ``RecursionError`` of a
    deeply nested body escape as a 500.
    """
    if not request.is_json:
        return None
    too_deep = BadRequest(
        f"the request body nests arrays and objects more than {MAX_JSON_DEPTH} deep"
    )
    try:
        body = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise too_deep from None
    except ValueError:
        return None
    if _nesting_exceeds(body, MAX_JSON_DEPTH):
        raise too_deep
    return body


def _nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest deeper than ``limit``; iterative."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def load_body(schema: Schema) -> dict:
    body = json_body()
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
