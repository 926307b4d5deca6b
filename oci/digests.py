"""Content digests as OCI writes them: ``sha256:<64 lowercase hex>`` (the only algorithm used)."""

from __future__ import annotations

import hashlib
import re

ALGORITHM = "sha256"
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


def is_digest(value: str) -> bool:
    """Whether ``value`` is a ``sha256:<64 lowercase hex>`` digest."""
    return bool(DIGEST_RE.match(value))


def sha256_digest(data: bytes) -> str:
    """The digest of ``data``."""
    return format_digest(hashlib.sha256(data))


def format_digest(hasher: hashlib._Hash) -> str:
    """The digest of what a running ``hashlib.sha256()`` has seen."""
    return f"{ALGORITHM}:{hasher.hexdigest()}"
