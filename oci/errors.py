"""Every exception raised by :mod:`oci`, in one tree.

``RegistryError`` and its subclasses carry the registry and repository they concern so a message
read in a job's error field says where to look. ``InvalidReference`` and ``UnsafeLayerError`` are
``ValueError``s: they describe bad input (a reference string, a layer's contents), not a failing
service.
"""

from __future__ import annotations


class OCIError(Exception):
    """Base class of every error raised by :mod:`oci`."""


class InvalidReference(OCIError, ValueError):
    """An image reference string does not follow the ``[registry/]repo[:tag][@digest]`` grammar."""


class RegistryError(OCIError):
    """A registry request failed; ``str(err)`` names the registry and the repository."""

    def __init__(self, message: str, *, registry: str = "", repository: str = "") -> None:
        self.registry = registry
        self.repository = repository
        where = f"{registry}/{repository}" if repository else registry
        super().__init__(f"{where}: {message}" if where else message)


class ManifestNotFound(RegistryError):
    """No such repository, tag or manifest (HTTP 404, MANIFEST_UNKNOWN or NAME_UNKNOWN)."""


class RegistryUnreachable(RegistryError):
    """The registry could not be reached: connection refused, DNS failure or timeout."""


class RegistryAuthError(RegistryError):
    """The registry refused access, or its token service did not hand out an anonymous token."""


class BlobVerificationError(RegistryError):
    """Content did not match its digest or declared size; the partial download was deleted."""


class UnsupportedImage(RegistryError):
    """The image cannot be used here: unknown media type, or no manifest for this platform."""


class CorruptLayerError(OCIError, ValueError):
    """A layer is not a readable (compressed) tar archive."""


class UnsafeLayerError(OCIError, ValueError):
    """A layer entry would escape the root filesystem or create a device; ``entry`` names it."""

    def __init__(self, entry: str, reason: str) -> None:
        self.entry = entry
        self.reason = reason
        super().__init__(f"unsafe layer entry {entry!r}: {reason}")
