"""Resolve a job image reference to a digest, contacting allow-listed registries only."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import BadRequest
from oci import (
    InvalidReference,
    ManifestNotFound,
    RegistryClient,
    RegistryError,
    RegistryUnreachable,
    parse_reference,
)


@dataclass(frozen=True)
class ResolvedImage:
    reference: str
    registry: str
    repository: str
    digest: str


def resolve_image(reference: str, allowed: tuple[str, ...]) -> ResolvedImage:
    """Parse ``reference``; pass a digest through, resolve a tag against its registry.

    Raises :class:`BadRequest` for a malformed reference, a registry outside ``allowed``, a
    missing tag or repository, or a registry that cannot be reached.
    """
    try:
        ref = parse_reference(reference)
    except InvalidReference as err:
        raise BadRequest(f"invalid image reference {reference!r}: {err}") from None
    if ref.registry.lower() not in {r.lower() for r in allowed}:
        listed = ", ".join(allowed) or "none"
        raise BadRequest(
            f"registry {ref.registry!r} is not allowed on this server "
            f"(allowed registries: {listed}); push the image to one of them"
        )
    digest = ref.digest
    if digest is None:
        try:
            with RegistryClient(ref.registry, allowed_hosts=allowed) as client:
                digest = client.resolve_digest(ref.repository, ref.tag)
        except ManifestNotFound:
            raise BadRequest(
                f"image {reference!r} not found: tag {ref.tag!r} does not exist in "
                f"{ref.registry}/{ref.repository}"
            ) from None
        except RegistryUnreachable as err:
            raise BadRequest(
                f"could not resolve image {reference!r}: {err}; is the registry running, and "
                "is the image pushed there?"
            ) from None
        except RegistryError as err:
            raise BadRequest(f"could not resolve image {reference!r}: {err}") from None
    return ResolvedImage(str(ref), ref.registry, ref.repository, digest)
