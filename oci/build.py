"""Build OCI images without a container tool: blobs, image configs and manifests.

An image here is a base (:mod:`oci.base`: nothing, the host's static busybox, or an image in a
registry) plus one layer (:mod:`oci.layers`: from a directory or a file, or from a mapping of
small files), with the run settings changed the way a Dockerfile changes them
(:func:`add_layer`). :mod:`oci.push` uploads the result.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import zstandard

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
#: (manifest, config, gzip layer) media types of the two manifest families a base may use.
FAMILIES = {
    "oci": (MEDIA_MANIFEST, MEDIA_CONFIG, MEDIA_LAYER["gzip"]),
    "docker": (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER),
}


class BlobLike(Protocol):
    """What a manifest references and a registry stores: media type, digest and size."""

    media_type: str

    @property
    def digest(self) -> str: ...

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class Blob:
    """Content in memory plus its media type; ``digest`` and ``descriptor`` are derived."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def descriptor(self) -> dict[str, object]:
        return descriptor(self)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


@dataclass(frozen=True)
class FileBlob:
    """Content in a file (a layer built from a directory can be large)."""

    media_type: str
    path: Path
    digest: str
    size: int

    @property
    def descriptor(self) -> dict[str, object]:
        return descriptor(self)

    def open(self) -> BinaryIO:
        return open(self.path, "rb")


@dataclass(frozen=True)
class RemoteBlob:
    """A base image's layer that stays in its registry until it is pushed (mounted or copied)."""

    media_type: str
    digest: str
    size: int
    registry: str
    repository: str


@dataclass(frozen=True)
class Layer:
    """A compressed layer blob and the digest of its uncompressed tar (the config's diff_id)."""

    blob: Blob | FileBlob | RemoteBlob
    diff_id: str


@dataclass(frozen=True)
class OCIImage:
    """An image ready to push: layers, config and manifest blobs."""

    layers: tuple[Blob | FileBlob | RemoteBlob, ...]
    config: Blob
    manifest: Blob

    @property
    def digest(self) -> str:
        """The manifest digest, which is what a registry resolves the tag to."""
        return self.manifest.digest


def descriptor(blob: BlobLike) -> dict[str, object]:
    """The OCI descriptor of ``blob``."""
    return {"mediaType": blob.media_type, "digest": blob.digest, "size": blob.size}


def _decompressed(blob: Blob) -> bytes:
    if blob.media_type.endswith("+gzip"):
        return gzip.decompress(blob.data)
    if blob.media_type.endswith("+zstd"):
        return zstandard.ZstdDecompressor().decompressobj().decompress(blob.data)
    return blob.data


def run_settings(
    *,
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
) -> dict[str, object]:
    """The ``config`` part of an image config (what the runner runs)."""
    run: dict[str, object] = {"Env": [f"{k}={v}" for k, v in (env or {}).items()]}
    if entrypoint is not None:
        run["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        run["Cmd"] = list(cmd)
    if workdir:
        run["WorkingDir"] = workdir
    if user:
        run["User"] = user
    return run


def finish_image(
    config: dict[str, Any], layers: Sequence[Blob | FileBlob | RemoteBlob], family: str = "oci"
) -> OCIImage:
    """Serialise ``config`` and write the manifest of ``layers`` in the given ``family``."""
    manifest_type, config_type, _ = FAMILIES[family]
    config_blob = Blob(config_type, json.dumps(config, sort_keys=True).encode())
    body = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": descriptor(config_blob),
        "layers": [descriptor(layer) for layer in layers],
    }
    manifest = Blob(manifest_type, json.dumps(body, sort_keys=True).encode())
    return OCIImage(tuple(layers), config_blob, manifest)


def image_from_layers(
    layers: Sequence[Blob],
    *,
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    architecture: str = "amd64",
    os_name: str = "linux",
) -> OCIImage:
    """Config and manifest for already compressed in-memory ``layers``."""
    diff_ids = ["sha256:" + hashlib.sha256(_decompressed(b)).hexdigest() for b in layers]
    config = {
        "architecture": architecture,
        "os": os_name,
        "config": run_settings(entrypoint=entrypoint, cmd=cmd, env=env, workdir=workdir, user=user),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return finish_image(config, layers)


def add_layer(
    base_config: Mapping[str, Any],
    base_layers: Sequence[Blob | FileBlob | RemoteBlob],
    layer: Layer,
    *,
    family: str = "oci",
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
) -> OCIImage:
    """The base image plus ``layer``, with the run settings changed the way a Dockerfile does.

    ``env`` adds or replaces variables; setting ``entrypoint`` clears the base's ``Cmd`` unless
    ``cmd`` is given too (Docker's rule); ``workdir`` replaces the working directory.
    """
    config = copy.deepcopy(dict(base_config))
    rootfs = config.setdefault("rootfs", {"type": "layers", "diff_ids": []})
    rootfs["diff_ids"] = [*rootfs.get("diff_ids", []), layer.diff_id]
    run = config.get("config") or {}
    config["config"] = run
    if env:
        kept = [e for e in run.get("Env") or [] if e.partition("=")[0] not in env]
        run["Env"] = kept + [f"{k}={v}" for k, v in env.items()]
    if entrypoint is not None:
        run["Entrypoint"] = list(entrypoint)
        run.pop("Cmd", None)
    if cmd is not None:
        run["Cmd"] = list(cmd)
    if workdir:
        run["WorkingDir"] = workdir
    if config.get("history"):  # one entry per layer, when the base keeps a history at all
        config["history"] = [*config["history"], {"created_by": "bencher image push"}]
    blob = layer.blob
    if family == "docker" and blob.media_type == MEDIA_LAYER["gzip"]:
        blob = replace(blob, media_type=DOCKER_LAYER)
    return finish_image(config, [*base_layers, blob], family)
