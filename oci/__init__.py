"""OCI images over the distribution API: references, digests, a read-only registry client, errors.

Used by the API server (to resolve a tag to a digest before a job is queued) and by the runner
(to pull an image by digest); depends on ``requests`` and the standard library only. Pulling,
unpacking and caching images belong to the runner (:mod:`runner.images`).
"""

from __future__ import annotations

from oci.digests import is_digest, sha256_digest
from oci.errors import (
    BlobVerificationError,
    CorruptLayerError,
    InvalidReference,
    ManifestNotFound,
    OCIError,
    RegistryAuthError,
    RegistryError,
    RegistryUnreachable,
    UnsafeLayerError,
    UnsupportedImage,
)
from oci.reference import ImageReference, parse_reference
from oci.registry import Manifest, RegistryClient

__all__ = [
    "BlobVerificationError",
    "CorruptLayerError",
    "ImageReference",
    "InvalidReference",
    "Manifest",
    "ManifestNotFound",
    "OCIError",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "UnsafeLayerError",
    "UnsupportedImage",
    "is_digest",
    "parse_reference",
    "sha256_digest",
]
