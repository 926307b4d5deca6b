"""Unpack image layers into a root filesystem, refusing any entry that could escape it.

Layers are tar archives, compressed with gzip, zstd, bzip2 or xz, or not at all; the format is
detected from magic bytes (a media type can be wrong, the bytes cannot). Whiteouts (``.wh.NAME``)
delete what lower layers created, opaque markers (``.wh..wh..opq``) hide a directory's lower
contents. Extraction is done entry by entry, never with ``tarfile.extractall``, and each of these
is refused with :class:`UnsafeLayerError` naming the entry:

* absolute names (Docker strips the leading ``/``; we refuse: a well-formed layer never has one);
* ``..`` in a name or in a hard link target;
* writing through a symlink (already in the rootfs) whose target leads outside the root: a
  symlink is followed only the way it would be inside a chroot, ``/`` meaning the rootfs, and a
  target climbing above the rootfs is refused rather than clamped;
* hard links whose target is outside the root, missing or a directory;
* character and block devices (the container gets its own ``/dev``).

FIFOs are skipped (logged): they carry no data and a job can create one in ``/tmp``. Symlinks are
created as they are, dangling or absolute: they are only dangerous when followed, and we never
follow one outside the root. Modes are kept except setuid/setgid bits on files, which are dropped:
they are useless under ``no_new_privileges`` and would be root-owned setuid binaries on the host.
Ownership is kept when running as root, shifted by ``id_shift`` for a user namespace (ids past
the namespace's 65536 become its ``nobody``, 65534); a rootless runner maps only its own id, so
its files stay its own (root inside the container).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import logging
import lzma
import os
import shutil
import stat
import tarfile
from pathlib import Path
from typing import BinaryIO

from oci.digests import format_digest
from oci.errors import CorruptLayerError, UnsafeLayerError
from runner.executors.rootless import maps_many_ids

log = logging.getLogger(__name__)

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_MAX_SYMLINK_HOPS = 40
# Linux's NAME_MAX and PATH_MAX: a longer name cannot be created, so it is refused up front.
NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4095
_COPY_CHUNK = 1024 * 1024
_NAMESPACE_IDS, _NOBODY = 65536, 65534
_ENTRY_COST = 512  # a tar header block
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}


def detect_compression(head: bytes, media_type: str | None = None) -> str:
    """Return ``gzip``, ``zstd``, ``bzip2``, ``xz`` or ``none`` for a layer's first bytes.

    Magic bytes decide; ``media_type`` is only used to word the error when a layer that claims to
    be compressed is not recognisably so.
    """
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    if media_type and media_type.endswith(("+gzip", ".gzip", "+zstd")) and len(head) >= 4:
        # A tar header starts with a file name, never with these magics; an unrecognised
        # compressed layer is most likely plain tar mislabelled, which tarfile will verify.
        log.warning("layer declared %s but has no compression magic; reading as tar", media_type)
    return "none"


def open_layer(fileobj: BinaryIO, media_type: str | None = None) -> BinaryIO:
    """Wrap a layer's bytes in a stream of the uncompressed tar."""
    buffered = fileobj if hasattr(fileobj, "peek") else io.BufferedReader(fileobj)  # type: ignore[arg-type]
    kind = detect_compression(buffered.peek(6)[:6], media_type)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    if kind == "zstd":
        import zstandard  # only layers that need it pay for the import

        return zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(buffered, mode="rb")  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(buffered, mode="rb")  # type: ignore[return-value]
    return buffered  # type: ignore[return-value]


class UnpackBudget:
    """Bytes an image may still unpack to, shared by its layers (see :func:`unpack_layer`).

    Each entry costs its apparent size (a sparse file of 1 GiB costs 1 GiB, however few bytes
    it takes in the layer) plus one tar block, so neither large nor countless files get past.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, entry: str, size: int) -> None:
        self.used += _ENTRY_COST + size
        if self.used > self.limit:
            raise UnsafeLayerError(
                entry,
                f"the image unpacks to more than {self.limit} bytes (files counted at their "
                "apparent size); raise the runner's --image-max-bytes or make the image smaller",
            )


class _HashingReader:
    """Hashes and counts what tarfile reads, so the diff_id comes for free; enforces a cap."""

    def __init__(self, stream: BinaryIO, max_size: int | None, label: str) -> None:
        self._stream = stream
        self._max = max_size
        self._label = label
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._stream.read(n)
        except Exception as err:  # noqa: BLE001 - each decompressor has its own error types
            raise CorruptLayerError(f"layer {self._label} is corrupt: {err}") from None
        self.size += len(data)
        if self._max is not None and self.size > self._max:
            raise UnsafeLayerError(self._label, f"decompresses to more than {self._max} bytes")
        self.hasher.update(data)
        return data

    def drain(self) -> None:
        while self.read(_COPY_CHUNK):
            pass


def unpack_layer(
    layer: Path | BinaryIO,
    rootfs: Path,
    media_type: str | None = None,
    *,
    max_size: int | None = None,
    id_shift: int = 0,
    budget: UnpackBudget | None = None,
) -> str:
    """Apply one layer on top of ``rootfs`` and return its diff_id (sha256 of the plain tar).

    ``layer`` is a path or a binary file object. ``max_size`` bounds the uncompressed size;
    ``budget``, shared by an image's layers, bounds what the whole image unpacks to.
    Raises :class:`UnsafeLayerError` for entries listed in the module docstring and
    :class:`CorruptLayerError` for a damaged archive; ``rootfs`` is then partly written and must be
    discarded (the image store unpacks into a temporary directory for that reason).
    """
    if isinstance(layer, (str, Path)):
        with open(layer, "rb") as fileobj:
            return unpack_layer(
                fileobj, rootfs, media_type, max_size=max_size, id_shift=id_shift, budget=budget
            )
    label = getattr(layer, "name", "<layer>")
    reader = _HashingReader(open_layer(layer, media_type), max_size, str(label))
    extractor = _Extractor(Path(rootfs), id_shift, budget)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
            for member in archive:
                try:
                    extractor.apply(archive, member)
                except (OSError, ValueError) as err:
                    if isinstance(err, UnsafeLayerError):
                        raise
                    # The kernel refused what the layer asks for (a name or link target too
                    # long, a full disk): the image is unusable here, the runner is fine.
                    reason = err.strerror if isinstance(err, OSError) else str(err)
                    raise UnsafeLayerError(member.name, f"cannot be created: {reason}") from None
    except tarfile.TarError as err:
        raise CorruptLayerError(f"layer {label} is corrupt: {err}") from None
    extractor.finish()
    reader.drain()
    return format_digest(reader.hasher)


def _split_name(name: str, entry: str) -> list[str]:
    if name.startswith("/"):
        raise UnsafeLayerError(entry, "absolute path (layer entries must be relative)")
    if "\0" in name:
        raise UnsafeLayerError(entry, "NUL character in a name")
    if len(os.fsencode(name)) > PATH_MAX_BYTES:
        raise UnsafeLayerError(entry, f"path longer than {PATH_MAX_BYTES} bytes")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeLayerError(entry, "'..' path component")
    if any(len(os.fsencode(p)) > NAME_MAX_BYTES for p in parts):
        raise UnsafeLayerError(entry, f"a name component is longer than {NAME_MAX_BYTES} bytes")
    return parts


class _Extractor:
    def __init__(self, root: Path, id_shift: int = 0, budget: UnpackBudget | None = None) -> None:
        self.root = root.resolve()
        self.is_root = maps_many_ids()
        self.id_shift = id_shift
        self.budget = budget
        self.created: set[tuple[str, ...]] = set()
        # Directory modes and times are applied at the end: a read-only directory must stay
        # writable while its children are extracted.
        self.dirs: list[tuple[tuple[str, ...], tarfile.TarInfo]] = []

    def apply(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        entry = member.name
        if self.budget is not None:
            self.budget.charge(entry, member.size if member.isreg() else 0)
        parts = _split_name(entry, entry)
        if not parts:
            return  # "./" itself: the rootfs directory keeps its own mode
        base = parts[-1]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(parts, entry)
            return
        if member.ischr() or member.isblk():
            raise UnsafeLayerError(entry, "device files are not allowed")
        if member.isfifo():
            log.info("skipping FIFO %s in layer", entry)
            return
        parent, parent_rel = self._resolve(parts[:-1], entry, create=True)
        target, rel = parent / base, (*parent_rel, base)
        self.created.add(rel)
        if member.isdir():
            self._make_dir(target, member)
            self.dirs.append((rel, member))
        elif member.isreg():
            self._remove(target)
            self._write_file(archive, member, target)
        elif member.issym():
            self._remove(target)
            os.symlink(member.linkname, target)
            self._finish_entry(target, member)
        elif member.islnk():
            source = self._link_source(member)
            if source != target:
                self._remove(target)
                os.link(source, target, follow_symlinks=False)
        else:
            raise UnsafeLayerError(entry, f"unsupported tar entry type {member.type!r}")

    def finish(self) -> None:
        for rel, member in reversed(self.dirs):
            path = self._real_dir(rel)
            if path is None:
                continue  # removed or replaced later in the layer
            os.chmod(path, member.mode & 0o7777)
            if self.is_root:
                os.chown(path, *self._owner(member), follow_symlinks=False)
            os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)

    def _resolve(
        self, parts: list[str], entry: str, *, create: bool
    ) -> tuple[Path, tuple[str, ...]]:
        """Walk ``parts`` from the root as a chroot would, never leaving it.

        Returns the real directory and its components relative to the root. Missing directories
        are created when ``create`` is true, else :class:`FileNotFoundError` is raised.
        """
        current: list[str] = []
        queue = list(parts)
        hops = 0
        while queue:
            part = queue.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not current:
                    raise UnsafeLayerError(
                        entry, "a parent directory is a symlink pointing outside the root"
                    )
                current.pop()
                continue
            path = self.root.joinpath(*current, part)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(path, 0o755)
                current.append(part)
                self.created.add(tuple(current))
                continue
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    raise UnsafeLayerError(entry, "too many levels of symbolic links")
                link = os.readlink(path)
                if link.startswith("/"):
                    current = []
                queue = link.split("/") + queue
                continue
            if not stat.S_ISDIR(st.st_mode):
                shown = "/".join([*current, part])
                raise UnsafeLayerError(entry, f"parent {shown!r} is not a directory")
            current.append(part)
        return self.root.joinpath(*current), tuple(current)

    def _real_dir(self, rel: tuple[str, ...]) -> Path | None:
        """``rel`` as a path if every component is still a real directory (no symlink)."""
        path = self.root
        for part in rel:
            path = path / part
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    return None
            except FileNotFoundError:
                return None
        return path

    def _whiteout(self, parts: list[str], entry: str) -> None:
        base = parts[-1]
        try:
            parent, parent_rel = self._resolve(parts[:-1], entry, create=base == OPAQUE_MARKER)
        except FileNotFoundError:
            return  # nothing below to hide
        if base == OPAQUE_MARKER:
            for child in os.listdir(parent):
                if (*parent_rel, child) not in self.created:
                    self._remove(parent / child)
            return
        if base.startswith(WHITEOUT_PREFIX * 2):
            return  # other AUFS metadata (.wh..wh.plnk, ...): ignored, as Docker does
        name = base[len(WHITEOUT_PREFIX) :]
        if name in ("", ".", ".."):
            raise UnsafeLayerError(entry, "whiteout of an invalid name")
        self._remove(parent / name)

    def _link_source(self, member: tarfile.TarInfo) -> Path:
        entry = member.name
        parts = _split_name(member.linkname, entry)
        if not parts:
            raise UnsafeLayerError(entry, "hard link to the root directory")
        try:
            parent, _ = self._resolve(parts[:-1], entry, create=False)
            st = os.lstat(parent / parts[-1])
        except (FileNotFoundError, NotADirectoryError):
            raise UnsafeLayerError(
                entry, f"hard link target {member.linkname!r} does not exist"
            ) from None
        if stat.S_ISDIR(st.st_mode):
            raise UnsafeLayerError(entry, f"hard link target {member.linkname!r} is a directory")
        return parent / parts[-1]

    def _make_dir(self, target: Path, member: tarfile.TarInfo) -> None:
        try:
            st = os.lstat(target)
            if not stat.S_ISDIR(st.st_mode):
                self._remove(target)
                os.mkdir(target, 0o700)
        except FileNotFoundError:
            os.mkdir(target, 0o700)

    def _write_file(self, archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
        src = archive.extractfile(member)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(target, flags, 0o600)
        with os.fdopen(fd, "wb") as out:
            if src is not None:
                shutil.copyfileobj(src, out, _COPY_CHUNK)
            # setuid/setgid dropped: see the module docstring.
            os.fchmod(out.fileno(), member.mode & 0o7777 & ~(stat.S_ISUID | stat.S_ISGID))
        self._finish_entry(target, member)

    def _finish_entry(self, target: Path, member: tarfile.TarInfo) -> None:
        if self.is_root:
            os.chown(target, *self._owner(member), follow_symlinks=False)
        os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)

    def _owner(self, member: tarfile.TarInfo) -> tuple[int, int]:
        if not self.id_shift:
            return member.uid, member.gid
        return tuple(  # type: ignore[return-value]
            self.id_shift + (i if 0 <= i < _NAMESPACE_IDS else _NOBODY)
            for i in (member.uid, member.gid)
        )

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)
