"""Tiny OCI images for tests, built with the product's own builder (:mod:`oci.build`), and
pushed with its pusher (:mod:`oci.push`), plus what only tests need: layers a safe unpacker
must refuse and multi-platform indexes.

Images::

    image = build_image({"/app/run.sh": "#!/bin/sh\\necho hi\\n"}, executables={"/app/run.sh"},
                        entrypoint=["/app/run.sh"])
    image = busybox_image('echo \\'{"bench": {"latency": {"value": 1.0}}}\\'')  # runs /bin/sh -c
    digest = push_image(registry.host, "acme/bench", "v1", image)          # manifest digest

``busybox_image`` needs a statically linked busybox (Debian package ``busybox-static``) and fails
with that advice otherwise. ``layer_tar`` makes one uncompressed layer (files, symlinks,
whiteouts); ``malicious_layer(kind)`` makes a layer that a safe unpacker must refuse;
``build_index`` and ``push_index`` make a multi-platform image. All tars are deterministic
(mtime 0, owner root), so equal inputs give equal digests.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence

from oci.base import BUSYBOX_APPLETS, BUSYBOX_PATH, busybox_layer
from oci.build import (
    MEDIA_CONFIG,
    MEDIA_INDEX,
    MEDIA_LAYER,
    MEDIA_MANIFEST,
    Blob,
    OCIImage,
    descriptor,
    image_from_layers,
)
from oci.layers import compress, layer_tar
from oci.platform import host_platform
from oci.push import RegistryPusher
from oci.push import push_image as _push
from oci.reference import ImageReference

__all__ = [
    "BUSYBOX_APPLETS",
    "BUSYBOX_PATH",
    "MEDIA_CONFIG",
    "MEDIA_INDEX",
    "MEDIA_LAYER",
    "MEDIA_MANIFEST",
    "Blob",
    "OCIImage",
    "build_image",
    "build_index",
    "busybox_image",
    "compress",
    "image_from_layers",
    "layer_tar",
    "malicious_layer",
    "push_blob",
    "push_image",
    "push_index",
    "push_manifest",
    "raw_config_image",
    "sparse_layer",
]


def build_image(
    files: Mapping[str, bytes | str],
    *,
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    executables: Iterable[str] = (),
    symlinks: Mapping[str, str] | None = None,
    extra_layers: Sequence[bytes] = (),
    compression: str = "gzip",
    architecture: str = "amd64",
) -> OCIImage:
    """An image whose first layer holds ``files`` and ``symlinks``; ``extra_layers`` (plain tar
    bytes, e.g. from :func:`layer_tar` or :func:`malicious_layer`) are stacked on top."""
    base = layer_tar(files, executables=executables, symlinks=symlinks)
    layers = [compress(t, compression) for t in (base, *extra_layers)]
    return image_from_layers(
        layers,
        entrypoint=entrypoint,
        cmd=cmd,
        env=env,
        workdir=workdir,
        user=user,
        architecture=architecture,
    )


def busybox_image(
    script: str | None = None,
    *,
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    files: Mapping[str, bytes | str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
) -> OCIImage:
    """A busybox image; with ``script`` its Cmd is ``/bin/sh -c script``.

    ``files`` adds a second layer; ``env`` is added to ``PATH=/bin``.
    """
    layers = [busybox_layer().blob]
    if files:
        layers.append(compress(layer_tar(files), "gzip"))
    if script is not None and cmd is None:
        cmd = ["/bin/sh", "-c", script]
    return image_from_layers(
        layers,
        entrypoint=entrypoint,
        cmd=cmd,
        env={"PATH": "/bin", **(env or {})},
        workdir=workdir,
        user=user,
        architecture=host_platform()[1],
    )


def raw_config_image(config: bytes, extra_layers: Sequence[bytes] = ()) -> OCIImage:
    """A busybox image whose config blob is exactly ``config``, which need not be valid (a
    hostile pusher writes what it likes); ``extra_layers`` are plain tars stacked on top."""
    layers = (busybox_layer().blob, *(compress(t, "gzip") for t in extra_layers))
    config_blob = Blob(MEDIA_CONFIG, config)
    body = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": descriptor(config_blob),
        "layers": [descriptor(layer) for layer in layers],
    }
    return OCIImage(layers, config_blob, Blob(MEDIA_MANIFEST, json.dumps(body).encode()))


def sparse_layer(apparent_size: int, name: str = "sparse") -> bytes:
    """An uncompressed layer holding one sparse file of ``apparent_size`` zero bytes, a few
    kilobytes in the tar (GNU tar's PAX sparse format; Python's tarfile cannot write one)."""
    with tempfile.TemporaryDirectory() as scratch:
        with open(f"{scratch}/{name}", "wb") as out:
            out.truncate(apparent_size)
        subprocess.run(
            ["tar", "--sparse", "--format=posix", "-cf", f"{scratch}/layer.tar", "-C", scratch,
             name],
            check=True,
            timeout=60,
        )  # fmt: skip
        with open(f"{scratch}/layer.tar", "rb") as layer:
            return layer.read()


def malicious_layer(kind: str) -> bytes:
    """An uncompressed layer a safe unpacker must refuse.

    ``kind``: ``dotdot`` (``../escaped``), ``absolute`` (``/etc/escaped``), ``symlink`` (a
    symlink to ``../../..`` then a file written through it), ``hardlink`` (a hard link to
    ``../../etc/passwd``), ``device`` (a character device), ``long-name`` (a file name of 300
    bytes, over the kernel's 255).
    """
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, type_: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = ""):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.size = type_, link, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)

        if kind == "dotdot":
            add("../escaped", data=b"pwned")
        elif kind == "absolute":
            add("/etc/escaped", data=b"pwned")
        elif kind == "symlink":
            add("escape", tarfile.SYMTYPE, link="../../../../../../..")
            add("escape/tmp/escaped", data=b"pwned")
        elif kind == "hardlink":
            add("passwd", tarfile.LNKTYPE, link="../../etc/passwd")
        elif kind == "long-name":
            add("x" * 300, data=b"too long")
        elif kind == "device":
            info = tarfile.TarInfo("dev/kmem")
            info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 2
            tar.addfile(info)
        else:
            raise ValueError(f"unknown malicious layer kind {kind!r}")
    return out.getvalue()


def build_index(entries: Sequence[tuple[OCIImage, Sequence[str]]]) -> Blob:
    """An OCI index of ``(image, (os, arch[, variant]))`` entries."""
    manifests = []
    for image, platform in entries:
        plat = {"os": platform[0], "architecture": platform[1]}
        if len(platform) > 2:
            plat["variant"] = platform[2]
        manifests.append({**image.manifest.descriptor, "platform": plat})
    body = {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests}
    return Blob(MEDIA_INDEX, json.dumps(body, sort_keys=True).encode())


def _pusher(registry_host: str) -> RegistryPusher:
    return RegistryPusher(registry_host, timeout=30.0)


def push_blob(registry_host: str, repository: str, blob: Blob, timeout: float = 30.0) -> None:
    """Upload one blob, skipping it if the registry has it."""
    with _pusher(registry_host) as pusher:
        if not pusher.blob_exists(repository, blob.digest):
            pusher.upload_blob(repository, blob)


def push_manifest(registry_host: str, repository: str, reference: str, manifest: Blob) -> str:
    """PUT a manifest or index under a tag (or digest); return the digest the registry reports."""
    with _pusher(registry_host) as pusher:
        return pusher.put_manifest(repository, reference, manifest)


def push_image(registry_host: str, repository: str, tag: str, image: OCIImage) -> str:
    """Push ``image`` as ``repository:tag``; return its manifest digest."""
    return _push(ImageReference(registry_host, repository, tag, None), image)


def push_index(
    registry_host: str,
    repository: str,
    tag: str,
    entries: Sequence[tuple[OCIImage, Sequence[str]]],
) -> str:
    """Push each image by digest, then an index of them as ``repository:tag``; return its digest."""
    for image, _ in entries:
        for blob in (image.config, *image.layers):
            push_blob(registry_host, repository, blob)
        push_manifest(registry_host, repository, image.digest, image.manifest)
    return push_manifest(registry_host, repository, tag, build_index(entries))
