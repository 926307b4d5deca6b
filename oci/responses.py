"""Reading what a registry, or the network, said: a short reason for a failed connection, the
parameters of an authentication challenge, the distribution-spec error codes in a body."""

from __future__ import annotations

import json
import re

import requests

_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_ERROR_CODE = re.compile(r"[A-Z][A-Z_]{0,63}")
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def short_reason(err: requests.RequestException) -> str:
    """Why a connection failed, in a few words (``[Errno 111] Connection refused``), not the
    nested repr of urllib3's retry machinery."""
    if isinstance(err, requests.Timeout):
        return "timed out"
    found = _ERRNO.search(str(err))
    return found.group(0).strip() if found else type(err).__name__


def printable_scheme(scheme: str) -> str:
    """An authentication scheme from a challenge header, repeated only when it is one word."""
    return scheme if scheme.isalnum() and len(scheme) <= 20 else "an unknown"


def challenge_params(challenge: str) -> dict[str, str]:
    """``Bearer realm="https://auth",service="reg"`` -> ``{"realm": ..., "service": ...}``."""
    return {m[0].lower(): m[1] or m[2] for m in _CHALLENGE_PARAM.findall(challenge)}


def error_codes(resp: requests.Response) -> tuple[set[str], str]:
    """The distribution-spec error codes in a response body, and a short text for messages.

    The text names the codes only (``MANIFEST_UNKNOWN``), never the body's messages nor the
    status line's reason: what a registry writes there is not repeated to users or logs.
    """
    if resp.request is not None and resp.request.method == "HEAD":
        return set(), ""
    try:
        # One chunk at most: a hostile error body is not read into memory whole.
        head = next(resp.iter_content(65536), b"")
        errors = json.loads(head).get("errors") or []
        codes = {str(e.get("code", "")) for e in errors if isinstance(e, dict)}
    except (ValueError, AttributeError, TypeError, requests.RequestException):
        return set(), ""
    codes = {c for c in codes if _ERROR_CODE.fullmatch(c)}
    return codes, f" ({', '.join(sorted(codes))})" if codes else ""
