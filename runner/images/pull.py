"""What a pull means, independent of where things are cached.

Choosing the runner's platform in an index, checking an image manifest and its layers' media
types, extracting the run settings from an image config, and turning verified layer blobs into a
root filesystem ready for an executor. :class:`runner.images.cache.ImageStore` decides what to fetch
and where to keep it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from oci.digests import is_digest
from oci.errors import BlobVerificationError, UnsupportedImage
from oci.platform import Platform
from oci.registry import IMAGE_MEDIA_TYPES, INDEX_MEDIA_TYPES, Manifest
from runner.images.unpack import UnpackBudget, unpack_layer

_SCHEMA1_TYPES = {
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
}
# Directories every executor mounts over. Creating them while the rootfs is still private means
# runc never has to create mount points inside the shared, cached rootfs.
OUTPUT_MOUNTPOINT = "/bencher/output"
MOUNTPOINTS = ("proc", "sys", "dev", "tmp", OUTPUT_MOUNTPOINT.lstrip("/"))
RUN_CONFIG_KEYS = ("Entrypoint", "Cmd", "Env", "WorkingDir", "User")


def image_parts(
    manifest: Manifest, registry: str, repo: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The config descriptor and layer descriptors of an image manifest, validated."""
    media_type = manifest.media_type
    if media_type in _SCHEMA1_TYPES or manifest.data.get("schemaVersion") == 1:
        raise UnsupportedImage(
            "Docker schema 1 manifests are not supported; push the image again with a current "
            "Docker or buildah",
            registry=registry,
            repository=repo,
        )
    if media_type and media_type not in IMAGE_MEDIA_TYPES:
        what = "an index" if media_type in INDEX_MEDIA_TYPES else f"of type {media_type!r}"
        raise UnsupportedImage(
            f"manifest {manifest.digest} is {what}, not an image manifest",
            registry=registry,
            repository=repo,
        )
    config = manifest.data.get("config")
    layers = manifest.data.get("layers")
    if not isinstance(config, dict) or not isinstance(layers, list):
        raise UnsupportedImage(
            f"manifest {manifest.digest} has no config or layers",
            registry=registry,
            repository=repo,
        )
    for desc in [config, *layers]:
        if not isinstance(desc, dict) or not is_digest(str(desc.get("digest", ""))):
            raise UnsupportedImage(
                f"manifest {manifest.digest} has a descriptor without a sha256 digest",
                registry=registry,
                repository=repo,
            )
    for layer in layers:
        if "tar" not in str(layer.get("mediaType", "tar")):
            raise UnsupportedImage(
                f"layer {layer['digest']} has media type {layer.get('mediaType')!r}, "
                "which is not a filesystem layer (is this an OCI artifact rather than an image?)",
                registry=registry,
                repository=repo,
            )
    return config, layers


def load_config(config_blob: bytes) -> dict[str, Any]:
    """The image config document, with every field the runner uses type-checked.

    The config is written by whoever pushed the image: a wrong type (``"User": 1000``,
    ``"Entrypoint": 5``) must fail the job here, with the field named, not deep in the sandbox.
    Raises :class:`UnsupportedImage`.
    """
    try:
        document = json.loads(config_blob)
    except (ValueError, RecursionError) as err:
        raise UnsupportedImage(f"image config is not valid JSON: {err}") from None
    if not isinstance(document, dict):
        raise UnsupportedImage("image config is not a JSON object")
    section = document.get("config")
    _check(section is None or isinstance(section, dict), "config", "an object", section)
    for key in ("Entrypoint", "Cmd", "Env"):
        value = (section or {}).get(key)
        _check(value is None or _strings(value), f"config.{key}", "a list of strings", value)
    for key in ("WorkingDir", "User"):
        value = (section or {}).get(key)
        _check(value is None or isinstance(value, str), f"config.{key}", "a string", value)
    for key in ("os", "architecture"):
        value = document.get(key)
        _check(value is None or isinstance(value, str), key, "a string", value)
    rootfs = document.get("rootfs")
    _check(rootfs is None or isinstance(rootfs, dict), "rootfs", "an object", rootfs)
    ids = (rootfs or {}).get("diff_ids")
    _check(ids is None or _strings(ids), "rootfs.diff_ids", "a list of strings", ids)
    return document


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _check(ok: bool, field: str, expected: str, value: Any) -> None:
    if not ok:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise UnsupportedImage(
            f"image config field {field!r} must be {expected}, got {shown} "
            f"({type(value).__name__}); rebuild the image with a valid config"
        )


def run_config(document: dict[str, Any]) -> dict[str, Any]:
    """The ``config`` section of a :func:`load_config` document, with the five run settings
    always present."""
    section = dict(document.get("config") or {})
    section["Entrypoint"] = section.get("Entrypoint") or None
    section["Cmd"] = section.get("Cmd") or None
    section["Env"] = list(section.get("Env") or [])
    section["WorkingDir"] = section.get("WorkingDir") or ""
    section["User"] = section.get("User") or ""
    return section


def check_platform(
    document: dict[str, Any], platform: Platform, digest: str, registry: str, repo: str
) -> None:
    """Refuse an image whose config says it was built for another OS or architecture.

    A config that does not say is accepted; the variant is not compared (configs often omit it).
    """
    built_for = (document.get("os"), document.get("architecture"))
    if all(built_for) and built_for != tuple(platform[:2]):
        raise UnsupportedImage(
            f"image {digest} is built for {'/'.join(built_for)}, this runner is "
            f"{'/'.join(platform)}; push a multi-platform image or build for this platform",
            registry=registry,
            repository=repo,
        )


def diff_ids(document: dict[str, Any]) -> list[str]:
    """The uncompressed layer digests the config promises (``rootfs.diff_ids``)."""
    return list((document.get("rootfs") or {}).get("diff_ids") or [])


def build_rootfs(
    layers: list[tuple[Path, str | None]],
    expected_diff_ids: list[str],
    dest: Path,
    *,
    max_size: int | None = None,
    id_shift: int = 0,
) -> None:
    """Unpack ``layers`` (path, media type) in order into the empty directory ``dest``.

    Each layer's uncompressed digest is checked against the config's diff_ids when the config
    lists them (a mismatch raises :class:`BlobVerificationError`). Mount points are added.
    ``max_size`` bounds what all the layers together unpack to (see :class:`UnpackBudget`).
    """
    if expected_diff_ids and len(expected_diff_ids) != len(layers):
        raise BlobVerificationError(
            f"config lists {len(expected_diff_ids)} diff_ids for {len(layers)} layers"
        )
    budget = UnpackBudget(max_size) if max_size is not None else None
    for index, (path, media_type) in enumerate(layers):
        actual = unpack_layer(
            path, dest, media_type, max_size=max_size, id_shift=id_shift, budget=budget
        )
        if expected_diff_ids and expected_diff_ids[index] != actual:
            raise BlobVerificationError(
                f"layer {index} uncompresses to {actual}, config expects {expected_diff_ids[index]}"
            )
    prepare_mountpoints(dest)
    # mkdtemp made the directory 0700; a container running as another user must traverse it.
    os.chmod(dest, 0o755)


def prepare_mountpoints(rootfs: Path) -> None:
    """Create the executor mount points that the image lacks.

    An existing entry of any kind (a symlink such as ``/tmp -> /var/tmp`` included) is left
    alone: runc resolves mount destinations inside the root itself.
    """
    for mountpoint in MOUNTPOINTS:
        path = rootfs
        for part in mountpoint.split("/"):
            path = path / part
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    break
            except FileNotFoundError:
                os.mkdir(path, 0o755)
                if mountpoint == "tmp":
                    os.chmod(path, 0o1777)


def disk_usage(path: Path) -> int:
    """Bytes used by the files under ``path`` (hard links counted once, symlinks not followed)."""
    total, seen = 0, set()
    for dirpath, dirnames, filenames in os.walk(path):
        for name in filenames + dirnames:
            st = os.lstat(os.path.join(dirpath, name))
            if st.st_nlink > 1 and not stat.S_ISDIR(st.st_mode):
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total
