"""Build tiny OCI images in pure Python and push them to a registry, without Docker.

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

import functools
import gzip
import hashlib
import io
import json
import struct
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
import zstandard

BUSYBOX_PATH = Path("/bin/busybox")
BUSYBOX_APPLETS = (
    "sh cat cut echo env false head id ip ls mkdir nc printf rm seq sleep sort tail tee test "
    "touch tr true wc wget yes dd ps kill unshare mount"
).split()
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}


@dataclass(frozen=True)
class Blob:
    """Content plus its media type; ``digest`` and ``descriptor`` are derived."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()

    @property
    def descriptor(self) -> dict[str, object]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class OCIImage:
    """An image ready to push: compressed layers, config and manifest blobs."""

    layers: tuple[Blob, ...]
    config: Blob
    manifest: Blob

    @property
    def digest(self) -> str:
        """The manifest digest, which is what a registry resolves the tag to."""
        return self.manifest.digest


def _add_parents(tar: tarfile.TarFile, name: str, seen: set[str]) -> None:
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        parent = "/".join(parts[:i])
        if parent and parent not in seen:
            seen.add(parent)
            info = tarfile.TarInfo(parent)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)


def layer_tar(
    files: Mapping[str, bytes | str] | None = None,
    *,
    executables: Iterable[str] = (),
    symlinks: Mapping[str, str] | None = None,
    dirs: Iterable[str] | Mapping[str, int] = (),
    whiteouts: Iterable[str] = (),
    opaque: Iterable[str] = (),
) -> bytes:
    """One uncompressed layer. Paths may start with '/'; they are stored relative.

    ``executables`` get mode 0755 (others 0644); ``dirs`` lists directories, or maps them to
    their modes (default 0755); ``symlinks`` maps link path to target;
    ``whiteouts`` lists paths to delete from lower layers; ``opaque`` lists directories whose
    lower contents are hidden.
    """
    executables = {p.lstrip("/") for p in executables}
    out = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        modes = dirs if isinstance(dirs, Mapping) else dict.fromkeys(dirs, 0o755)
        for path, mode in sorted(modes.items()):
            name = path.strip("/")
            _add_parents(tar, name, seen)
            if name not in seen:
                seen.add(name)
                info = tarfile.TarInfo(name)
                info.type, info.mode = tarfile.DIRTYPE, mode
                tar.addfile(info)
        for path, content in sorted((files or {}).items()):
            name = path.lstrip("/")
            data = content.encode() if isinstance(content, str) else content
            _add_parents(tar, name, seen)
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755 if name in executables else 0o644
            tar.addfile(info, io.BytesIO(data))
        for path, target in sorted((symlinks or {}).items()):
            name = path.lstrip("/")
            _add_parents(tar, name, seen)
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            tar.addfile(info)
        markers = []
        for path in whiteouts:
            directory, _, base = path.strip("/").rpartition("/")
            markers.append(f"{directory}/.wh.{base}" if directory else f".wh.{base}")
        for path in opaque:
            directory = path.strip("/")
            markers.append(f"{directory}/.wh..wh..opq" if directory else ".wh..wh..opq")
        for name in markers:
            _add_parents(tar, name, seen)
            tar.addfile(tarfile.TarInfo(name))
    return out.getvalue()


def compress(tar_bytes: bytes, compression: str = "gzip") -> Blob:
    """A layer blob: ``compression`` is ``gzip``, ``zstd`` or ``none``."""
    if compression == "gzip":
        data = gzip.compress(tar_bytes, compresslevel=1, mtime=0)
    elif compression == "zstd":
        data = zstandard.ZstdCompressor().compress(tar_bytes)
    elif compression == "none":
        data = tar_bytes
    else:
        raise ValueError(f"unknown compression {compression!r}")
    return Blob(MEDIA_LAYER[compression], data)


def _decompressed(blob: Blob) -> bytes:
    if blob.media_type.endswith("+gzip"):
        return gzip.decompress(blob.data)
    if blob.media_type.endswith("+zstd"):
        return zstandard.ZstdDecompressor().decompressobj().decompress(blob.data)
    return blob.data


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
    """Config and manifest for already compressed ``layers``."""
    run: dict[str, object] = {"Env": [f"{k}={v}" for k, v in (env or {}).items()]}
    if entrypoint is not None:
        run["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        run["Cmd"] = list(cmd)
    if workdir:
        run["WorkingDir"] = workdir
    if user:
        run["User"] = user
    diff_ids = ["sha256:" + hashlib.sha256(_decompressed(b)).hexdigest() for b in layers]
    config = Blob(
        MEDIA_CONFIG,
        json.dumps(
            {
                "architecture": architecture,
                "os": os_name,
                "config": run,
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
            },
            sort_keys=True,
        ).encode(),
    )
    manifest = Blob(
        MEDIA_MANIFEST,
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MEDIA_MANIFEST,
                "config": config.descriptor,
                "layers": [b.descriptor for b in layers],
            },
            sort_keys=True,
        ).encode(),
    )
    return OCIImage(tuple(layers), config, manifest)


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


def _is_static_elf(path: Path) -> bool:
    """True for an ELF executable without a PT_INTERP header (no dynamic loader needed)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit only: the runners are 64-bit
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


@functools.lru_cache(maxsize=1)
def busybox_layer() -> Blob:
    """A gzip layer with a static ``/bin/busybox`` and its applets as symlinks (built once)."""
    if not BUSYBOX_PATH.exists() or not _is_static_elf(BUSYBOX_PATH):
        raise RuntimeError(
            f"{BUSYBOX_PATH} is missing or not statically linked: apt-get install busybox-static"
        )
    tar = layer_tar(
        {"/bin/busybox": BUSYBOX_PATH.read_bytes()},
        executables={"/bin/busybox"},
        symlinks={f"/bin/{applet}": "busybox" for applet in BUSYBOX_APPLETS},
        dirs={"/tmp": 0o1777, "/etc": 0o755},
    )
    return compress(tar, "gzip")


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
    layers = [busybox_layer()]
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
    )


def malicious_layer(kind: str) -> bytes:
    """An uncompressed layer a safe unpacker must refuse.

    ``kind``: ``dotdot`` (``../escaped``), ``absolute`` (``/etc/escaped``), ``symlink`` (a
    symlink to ``../../..`` then a file written through it), ``hardlink`` (a hard link to
    ``../../etc/passwd``), ``device`` (a character device).
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


def push_blob(registry_host: str, repository: str, blob: Blob, timeout: float = 30.0) -> None:
    """Upload one blob (monolithic POST then PUT), skipping it if the registry has it."""
    base = f"http://{registry_host}/v2/{repository}/blobs/"
    if requests.head(base + blob.digest, timeout=timeout).status_code == 200:
        return
    started = requests.post(base + "uploads/", timeout=timeout)
    if started.status_code != 202:
        raise RuntimeError(f"upload start failed: {started.status_code} {started.text}")
    location = urljoin(f"http://{registry_host}", started.headers["Location"])
    separator = "&" if "?" in location else "?"
    done = requests.put(
        f"{location}{separator}digest={blob.digest}",
        data=blob.data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=timeout,
    )
    if done.status_code != 201:
        raise RuntimeError(f"blob upload failed: {done.status_code} {done.text}")


def push_manifest(registry_host: str, repository: str, reference: str, manifest: Blob) -> str:
    """PUT a manifest or index under a tag (or digest); return the digest the registry reports."""
    resp = requests.put(
        f"http://{registry_host}/v2/{repository}/manifests/{reference}",
        data=manifest.data,
        headers={"Content-Type": manifest.media_type},
        timeout=30,
    )
    if resp.status_code != 201:
        raise RuntimeError(f"manifest upload failed: {resp.status_code} {resp.text}")
    return resp.headers.get("Docker-Content-Digest", manifest.digest)


def push_image(registry_host: str, repository: str, tag: str, image: OCIImage) -> str:
    """Push ``image`` as ``repository:tag``; return its manifest digest."""
    for blob in (image.config, *image.layers):
        push_blob(registry_host, repository, blob)
    return push_manifest(registry_host, repository, tag, image.manifest)


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
