"""Image layers: deterministic tars of files, gzip-compressed with their digests.

Every tar is deterministic (mtime 0, owner root, sorted entries) and gzip is written without a
timestamp, so the same input always gives the same digests. A layer from a directory is
streamed to a file; small layers (the demo image, test images) are built in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import zstandard

from oci.build import MEDIA_LAYER, Blob, FileBlob, Layer


def _dir_info(name: str, mode: int = 0o755) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    return info


def _add_parents(tar: tarfile.TarFile, name: str, seen: set[str]) -> None:
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        parent = "/".join(parts[:i])
        if parent and parent not in seen:
            seen.add(parent)
            tar.addfile(_dir_info(parent))


def layer_tar(
    files: Mapping[str, bytes | str] | None = None,
    *,
    executables: Iterable[str] = (),
    symlinks: Mapping[str, str] | None = None,
    dirs: Iterable[str] | Mapping[str, int] = (),
    whiteouts: Iterable[str] = (),
    opaque: Iterable[str] = (),
) -> bytes:
    """One uncompressed layer in memory. Paths may start with '/'; they are stored relative.

    ``executables`` get mode 0755 (others 0644); ``dirs`` lists directories, or maps them to
    their modes (default 0755); ``symlinks`` maps link path to target; ``whiteouts`` lists paths
    to delete from lower layers; ``opaque`` lists directories whose lower contents are hidden.
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
                tar.addfile(_dir_info(name, mode))
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


def memory_layer(tar_bytes: bytes, compression: str = "gzip") -> Layer:
    """A :class:`Layer` from an uncompressed tar held in memory."""
    diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
    return Layer(compress(tar_bytes, compression), diff_id)


class _Digesting(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through it to ``out``."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.hasher, self.size = out, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.hasher.update(data)
        self.size += len(data)
        self.out.write(data)
        return len(data)

    @property
    def digest(self) -> str:
        return "sha256:" + self.hasher.hexdigest()


def _entry(name: str, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    return info  # mtime 0, uid/gid 0: the same tree always gives the same digest


def _walk(source: Path) -> Iterable[tuple[Path, str]]:
    """``(path, relative name)`` for every entry under ``source``, sorted, parents first."""
    for root, dirnames, filenames in os.walk(source):
        dirnames.sort()
        here = Path(root)
        for name in sorted([*dirnames, *filenames]):
            path = here / name
            yield path, path.relative_to(source).as_posix()


def layer_from_path(
    source: Path,
    dest: str,
    out_dir: Path,
    *,
    on_skip: Callable[[Path, str], None] | None = None,
) -> Layer:
    """A gzip layer holding ``source`` under the absolute directory ``dest`` of the image.

    A directory's contents go into ``dest``; a single file goes to ``dest/<its name>``.
    Permissions and symlinks are kept; FIFOs, sockets and devices are skipped (``on_skip`` is
    told why). The layer is written to a file in ``out_dir`` (it may be large).
    """
    source = Path(source)
    prefix = PurePosixPath("/", dest).as_posix().strip("/")
    if source.is_dir():
        entries = list(_walk(source))
    else:
        entries = [(source, source.name)]
    target = out_dir / "layer.tar.gz"
    with open(target, "wb") as raw:
        compressed = _Digesting(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0) as zipped:
            plain = _Digesting(zipped)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                seen: set[str] = set()
                if prefix:
                    _add_parents(tar, prefix + "/", seen)
                for path, relative in entries:
                    _add_entry(tar, path, f"{prefix}/{relative}" if prefix else relative, on_skip)
    return Layer(FileBlob(MEDIA_LAYER["gzip"], target, compressed.digest, compressed.size),
                 plain.digest)  # fmt: skip


def _add_entry(
    tar: tarfile.TarFile, path: Path, name: str, on_skip: Callable[[Path, str], None] | None
) -> None:
    st = os.lstat(path)
    info = _entry(name, st)
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    elif stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        tar.addfile(info)
    elif stat.S_ISREG(st.st_mode):
        info.size = st.st_size
        with open(path, "rb") as handle:
            tar.addfile(info, handle)
    elif on_skip is not None:
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket or device"
        on_skip(path, f"{kind}, not a file, directory or symlink")
