"""OCI images for the runner: reference parsing, registry client, safe unpacking, a local cache.

The API server imports ``parse_reference``, ``RegistryClient`` and the errors from here to resolve
tags to digests, so importing this package loads only the reference parser, the errors and the
registry client (``requests``). The cache, the puller and the layer unpacker (``zstandard``,
``tarfile``) are loaded on first use of ``ImageStore``, ``PulledImage`` or ``unpack_layer``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.oci.errors import (
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
from runner.oci.reference import ImageReference, parse_reference
from runner.oci.registry import Manifest, RegistryClient

if TYPE_CHECKING:
    from runner.oci.cache import ImageStore, PulledImage
    from runner.oci.unpack import unpack_layer

__all__ = [
    "BlobVerificationError",
    "CorruptLayerError",
    "ImageReference",
    "ImageStore",
    "InvalidReference",
    "Manifest",
    "ManifestNotFound",
    "OCIError",
    "PulledImage",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "UnsafeLayerError",
    "UnsupportedImage",
    "parse_reference",
    "unpack_layer",
]

_LAZY = {
    "ImageStore": "runner.oci.cache",
    "PulledImage": "runner.oci.cache",
    "unpack_layer": "runner.oci.unpack",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
