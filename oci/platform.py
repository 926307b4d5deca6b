"""Platforms in OCI spelling: this machine's, and the entry of an image index that runs on it.

Used by the runner (to pull the right image of a multi-platform index) and by the image builder
(to label an image and to pick the base image's manifest).
"""

from __future__ import annotations

import platform as _platform

from oci.digests import is_digest
from oci.errors import UnsupportedImage
from oci.registry import Manifest

Platform = tuple[str, ...]  # (os, architecture) or (os, architecture, variant)

_MACHINE_TO_ARCH = {
    "x86_64": ("amd64",),
    "amd64": ("amd64",),
    "aarch64": ("arm64", "v8"),
    "arm64": ("arm64", "v8"),
    "armv7l": ("arm", "v7"),
    "ppc64le": ("ppc64le",),
    "s390x": ("s390x",),
    "riscv64": ("riscv64",),
}


def host_platform() -> Platform:
    """The ``("linux", arch[, variant])`` of this machine, in OCI spelling."""
    machine = _platform.machine().lower()
    return ("linux", *_MACHINE_TO_ARCH.get(machine, (machine,)))


def select_manifest(index: Manifest, platform: Platform, registry: str, repo: str) -> str:
    """Return the digest of the manifest in ``index`` that runs on ``platform``.

    A variant in ``platform`` must match when the entry declares one; entries for
    ``unknown/unknown`` (build attestations) never match. Raises :class:`UnsupportedImage`
    listing the platforms the index offers.
    """
    want_os, want_arch, *rest = platform
    want_variant = rest[0] if rest else None
    offered, fallback = [], None
    for entry in index.data.get("manifests") or []:
        plat = entry.get("platform") or {}
        os_name, arch, variant = plat.get("os"), plat.get("architecture"), plat.get("variant")
        offered.append("/".join(p for p in (os_name, arch, variant) if p))
        if os_name != want_os or arch != want_arch:
            continue
        digest = entry.get("digest", "")
        if not is_digest(digest):
            continue
        if variant is None or want_variant is None or variant == want_variant:
            if variant == want_variant:
                return digest
            fallback = fallback or digest
    if fallback:
        return fallback
    raise UnsupportedImage(
        f"image index {index.digest} has no manifest for {'/'.join(platform)} "
        f"(it offers: {', '.join(offered) or 'nothing'})",
        registry=registry,
        repository=repo,
    )
