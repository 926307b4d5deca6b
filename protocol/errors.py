"""The JSON error envelope of every API error response.

``{"error": <code>, "message": <what was wrong and what to do>}``, plus ``"fields"``
(``{"job.image": "..."}``) when the request body failed validation.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class ErrorEnvelope(NamedTuple):
    code: str
    message: str
    fields: dict[str, str]


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the envelope."""
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def parse_error_body(body: Any) -> ErrorEnvelope | None:
    """Read an envelope from a decoded JSON body; None when ``body`` is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    fields = body.get("fields")
    return ErrorEnvelope(
        str(body.get("error") or "error"),
        body["message"],
        {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {},
    )
