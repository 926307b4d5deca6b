"""The one exception tree of the API and its mapping to the JSON error envelope.

Every error response is ``{"error": <code>, "message": <what was wrong and what to do>}``,
plus ``"fields"`` for validation errors.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from protocol import error_body

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict:
        return error_body(self.code, self.message, self.fields)


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class ServiceUnavailable(ApiError):
    status = 503
    code = "unavailable"


def _flatten_fields(messages, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested messages into ``{"job.image": "..."}``."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(_flatten_fields(value, f"{prefix}{key}."))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix.rstrip(".")] = " ".join(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            flat.update(_flatten_fields(value, f"{prefix}{i}."))
    else:
        flat[prefix.rstrip(".")] = str(messages)
    return flat


def validation_error(err: ValidationError) -> BadRequest:
    """A 400 whose message names every invalid field."""
    fields = _flatten_fields(err.messages)
    summary = "; ".join(f"{k or 'body'}: {v}" for k, v in sorted(fields.items()))
    return BadRequest(f"invalid request: {summary}", fields=fields)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(err: ApiError):
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(ValidationError)
    def handle_validation_error(err: ValidationError):
        bad = validation_error(err)
        return jsonify(bad.to_dict()), bad.status

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        return jsonify(error_body(code, err.description)), err.code

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        log.exception("unhandled error")
        return jsonify(error_body("internal_error", "internal server error")), 500
