"""What an image is built on: nothing (``scratch``), this machine's static busybox, or an
image in a registry; and what an ELF file needs to run (its architecture, a dynamic loader)."""

from __future__ import annotations

import functools
import json
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oci.build import MEDIA_LAYER, Blob, FileBlob, Layer, RemoteBlob
from oci.errors import RegistryError, UnsupportedImage
from oci.layers import layer_tar, memory_layer
from oci.platform import host_platform, select_manifest
from oci.reference import parse_reference
from oci.registry import DOCKER_HUB, IMAGE_MEDIA_TYPES, MEDIA_DOCKER_MANIFEST, RegistryClient

BUSYBOX_PATH = Path("/bin/busybox")
BUSYBOX_APPLETS = (
    "sh cat cut echo env false head id ip ls mkdir nc printf rm seq sleep sort tail tee test "
    "touch tr true wc wget yes dd ps kill unshare mount"
).split()
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_MAX_CONFIG_BYTES = 4 * 1024 * 1024
#: ELF ``e_machine`` -> OCI architecture.
_ELF_MACHINES = {0x3E: "amd64", 0xB7: "arm64", 0x28: "arm", 0x15: "ppc64le", 0x16: "s390x",
                 0xF3: "riscv64"}  # fmt: skip


@dataclass(frozen=True)
class BaseImage:
    """The image config and layers a new layer goes on top of; ``name`` is for messages."""

    name: str
    config: dict[str, Any]
    layers: tuple[Blob | FileBlob | RemoteBlob, ...] = ()
    family: str = "oci"
    has_libc: bool = True


def elf_info(path: Path) -> tuple[str | None, bool] | None:
    """``(architecture, static)`` of a 64-bit little-endian ELF executable; None if not one."""
    with open(path, "rb") as handle:
        head = handle.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return None
        (machine,) = struct.unpack_from("<H", head, 0x12)
        (phoff,) = struct.unpack_from("<Q", head, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
        handle.seek(phoff)
        table = handle.read(phentsize * phnum)
    if len(table) < phentsize * phnum:
        return None
    static = all(
        struct.unpack_from("<I", table, i * phentsize)[0] != 3  # PT_INTERP: needs a loader
        for i in range(phnum)
    )
    return _ELF_MACHINES.get(machine), static


def _empty_config(architecture: str, env_path: str) -> dict[str, Any]:
    return {
        "architecture": architecture,
        "os": "linux",
        "config": {"Env": [f"PATH={env_path}"]},
        "rootfs": {"type": "layers", "diff_ids": []},
    }


def scratch_base(architecture: str | None = None) -> BaseImage:
    """No base: the image holds only the new layer (for static binaries)."""
    return BaseImage("scratch", _empty_config(architecture or host_platform()[1], DEFAULT_PATH),
                     has_libc=False)  # fmt: skip


@functools.lru_cache(maxsize=1)
def busybox_layer() -> Layer:
    """A gzip layer with this machine's static ``/bin/busybox`` and its applets as symlinks."""
    info = elf_info(BUSYBOX_PATH) if BUSYBOX_PATH.exists() else None
    if info is None or not info[1]:
        raise FileNotFoundError(
            f"{BUSYBOX_PATH} is missing or not statically linked: apt-get install busybox-static "
            "(or choose another --base)"
        )
    tar = layer_tar(
        {"/bin/busybox": BUSYBOX_PATH.read_bytes()},
        executables={"/bin/busybox"},
        symlinks={f"/bin/{applet}": "busybox" for applet in BUSYBOX_APPLETS},
        dirs={"/tmp": 0o1777, "/etc": 0o755},
    )
    return memory_layer(tar)


def busybox_base() -> BaseImage:
    """A shell and the usual tools (``sh``, ``echo``, ``cat`` ...) from Debian's busybox-static."""
    layer = busybox_layer()
    config = _empty_config(host_platform()[1], "/bin")
    config["rootfs"]["diff_ids"] = [layer.diff_id]
    return BaseImage("busybox", config, (layer.blob,), has_libc=False)


def registry_base(
    reference: str, *, credentials: tuple[str, str] | None = None, timeout: float = 30.0
) -> BaseImage:
    """An image from a registry, for this machine's platform; its layers stay remote.

    Raises :class:`oci.InvalidReference` and :class:`oci.RegistryError` (and subclasses).
    """
    ref = parse_reference(reference)
    with RegistryClient(ref.registry, credentials=credentials, timeout=timeout) as client:
        manifest = client.get_manifest(ref.repository, ref.reference)
        if manifest.is_index:
            chosen = select_manifest(manifest, host_platform(), ref.registry, ref.repository)
            manifest = client.get_manifest(ref.repository, chosen)
        if manifest.media_type not in IMAGE_MEDIA_TYPES:
            raise UnsupportedImage(
                f"{reference} is not an image (manifest type {manifest.media_type!r})",
                registry=ref.registry,
                repository=ref.repository,
            )
        config_desc = manifest.data.get("config") or {}
        with tempfile.TemporaryDirectory(prefix="bencher-base-") as tmp:
            size = int(config_desc.get("size") or 0)
            if size > _MAX_CONFIG_BYTES:
                raise RegistryError(f"the config of {reference} is larger than 4 MiB")
            path = client.fetch_blob(ref.repository, config_desc.get("digest", ""),
                                     Path(tmp) / "config", size or None)  # fmt: skip
            config = json.loads(path.read_bytes())
    layers = tuple(
        RemoteBlob(
            layer.get("mediaType") or MEDIA_LAYER["gzip"],
            layer["digest"],
            int(layer.get("size") or 0),
            ref.registry,
            ref.repository,
        )
        for layer in manifest.data.get("layers") or []
    )
    family = "docker" if manifest.media_type == MEDIA_DOCKER_MANIFEST else "oci"
    shown = reference if ref.registry != DOCKER_HUB else str(ref)
    return BaseImage(shown, config, layers, family)


def resolve_base(
    name: str, *, credentials: tuple[str, str] | None = None, architecture: str | None = None
) -> BaseImage:
    """``scratch``, ``busybox`` or an image reference."""
    if name == "scratch":
        return scratch_base(architecture)
    if name == "busybox":
        return busybox_base()
    return registry_base(name, credentials=credentials)
