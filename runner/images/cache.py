"""A local, size-bounded cache of images: verified blobs and unpacked root filesystems.

Layout under ``cache_dir`` (mode 0700: root filesystems contain other users' files)::

    blobs/sha256/<hex>     manifests, indexes, configs and compressed layers, by digest
    rootfs/<hex>/          an unpacked rootfs, by image manifest digest; complete or absent
    images/<hex>.json      what the rootfs was built from; its mtime is the last use (LRU)
    images/<hex>.lock      flocked shared while a job uses the rootfs (see ImageStore.lease)
    tmp/                   downloads and unpacks in progress, emptied at the next pull
    lock                   flocked exclusively for the whole of a pull

A rootfs is unpacked into ``tmp/`` and renamed into ``rootfs/`` once complete, and its
``images/`` record is written after the rename: a rootfs without a record is a crash leftover and
is rebuilt. A pull whose manifests, config and rootfs are cached makes no network request at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oci.digests import is_digest, sha256_digest
from oci.errors import (
    BlobVerificationError,
    CorruptLayerError,
    OCIError,
    UnsafeLayerError,
    UnsupportedImage,
)
from oci.platform import Platform, host_platform, select_manifest
from oci.registry import INDEX_MEDIA_TYPES, Manifest, RegistryClient
from runner.images.pull import (
    build_rootfs,
    check_platform,
    diff_ids,
    disk_usage,
    image_parts,
    load_config,
    run_config,
)
from runner.limits import DEFAULT_CONFIG_MAX_BYTES

log = logging.getLogger(__name__)

_REFUSALS = (UnsafeLayerError, CorruptLayerError, UnsupportedImage, BlobVerificationError)


@dataclass(frozen=True)
class PulledImage:
    """An image ready to run: ``rootfs`` must be treated as read-only, it is shared by jobs."""

    digest: str  # the platform-specific image manifest digest
    rootfs: Path
    config: dict[str, Any]  # the image config's "config": Entrypoint, Cmd, Env, WorkingDir, User
    size: int  # bytes of the unpacked rootfs


class ImageStore:
    """Pull images by digest into ``cache_dir``, keeping it under ``max_bytes`` (LRU).

    ``client_factory(registry)`` makes the registry client; it is called only when something
    must be fetched. ``max_image_bytes`` (default ``max_bytes``) bounds what an image's layers
    together unpack to, sparse files at their apparent size, so a decompression bomb cannot fill
    the disk; ``max_config_bytes`` bounds the image config, read into memory, as manifests are.
    A refused image leaves nothing in the cache: its rootfs and the blobs only it used are
    deleted. ``id_shift`` (see
    :mod:`runner.executors.userns`) shifts the owners of unpacked files for a user namespace; a
    cached rootfs unpacked with another shift is unpacked again. With a shift the cache
    directory and its ``rootfs`` are mode 0711 (searchable, not listable), as the namespace's
    root must reach a rootfs through them; everything else is 0700, as the whole cache is
    without a shift (private images stay private from other local users).

    Safe for concurrent pulls from threads and processes sharing ``cache_dir``: pulls are
    serialised by an exclusive ``flock``, waited for at most ``lock_timeout`` seconds. Eviction
    runs at the end of a pull; it never removes the image being returned nor one held by
    :meth:`lease`, so a job should run inside ``with store.lease(image):``.
    """

    def __init__(
        self,
        cache_dir: Path,
        max_bytes: int,
        *,
        client_factory: Callable[[str], RegistryClient] | None = None,
        lock_timeout: float = 600.0,
        max_image_bytes: int | None = None,
        max_config_bytes: int = DEFAULT_CONFIG_MAX_BYTES,
        id_shift: int = 0,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.id_shift = id_shift
        self.max_bytes = max_bytes
        self.max_image_bytes = max_image_bytes or max_bytes
        self.max_config_bytes = max_config_bytes
        self.lock_timeout = lock_timeout
        self._client_factory = client_factory or RegistryClient
        searchable = 0o711 if id_shift else 0o700
        for sub, mode in (("blobs", 0o700), ("rootfs", searchable), ("images", 0o700),
                          ("tmp", 0o700), ("blobs/sha256", 0o700)):  # fmt: skip
            (self.cache_dir / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.cache_dir / sub, mode)
        os.chmod(self.cache_dir, searchable)

    def pull(
        self,
        registry: str,
        repository: str,
        digest: str,
        platform: Platform | None = None,
    ) -> PulledImage:
        """Return the image ``registry/repository@digest`` unpacked, fetching what is missing.

        ``digest`` may name an index (resolved to ``platform``, by default this machine's) or an
        image manifest. Every blob is verified against its digest. Raises the
        :class:`oci.errors.RegistryError` family and
        :class:`oci.errors.UnsafeLayerError`.
        """
        if not is_digest(digest):
            raise UnsupportedImage(
                f"images are pulled by sha256 digest, got {digest!r}",
                registry=registry,
                repository=repository,
            )
        with self._locked(), _Fetcher(self, registry, repository) as fetch:
            self._clear_tmp()
            manifest = fetch.manifest(digest)
            index_digest = None
            if manifest.media_type in INDEX_MEDIA_TYPES or "manifests" in manifest.data:
                index_digest = manifest.digest
                chosen = select_manifest(
                    manifest, platform or host_platform(), registry, repository
                )
                manifest = fetch.manifest(chosen)
            image = self._cached(manifest.digest, index_digest)
            if image is None:
                image = self._build(fetch, manifest, index_digest, platform or host_platform())
            self._evict(keep=image.digest)
            return image

    @contextlib.contextmanager
    def lease(self, image: PulledImage) -> Iterator[PulledImage]:
        """Hold ``image`` in use: eviction (in any process) skips it until the block ends."""
        with open(self._record(image.digest, ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            try:
                yield image
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def usage(self) -> int:
        """Bytes held by the cache: unpacked root filesystems plus blobs."""
        total = sum(r["size"] for r in self._records().values())
        for blob in (self.cache_dir / "blobs" / "sha256").iterdir():
            total += blob.stat().st_size
        return total

    def _cached(self, digest: str, index_digest: str | None) -> PulledImage | None:
        record_path = self._record(digest, ".json")
        rootfs = self.cache_dir / "rootfs" / _hex(digest)
        try:
            record = json.loads(record_path.read_text())
        except (FileNotFoundError, ValueError):
            if rootfs.exists():
                shutil.rmtree(rootfs)  # unpacked by a pull that crashed before recording it
            return None
        if not rootfs.is_dir() or record.get("id_shift", 0) != self.id_shift:
            record_path.unlink()
            if rootfs.is_dir():
                shutil.rmtree(rootfs)  # unpacked for another user namespace setting
            return None
        if index_digest and index_digest not in record["indexes"]:
            record["indexes"].append(index_digest)
            _write_atomic(record_path, json.dumps(record).encode())
        _touch(record_path)
        return PulledImage(digest, rootfs, record["config"], record["size"])

    def _build(
        self, fetch: _Fetcher, manifest: Manifest, index_digest: str | None, platform: Platform
    ) -> PulledImage:
        config_desc, layer_descs = image_parts(manifest, fetch.registry, fetch.repository)
        size = config_desc.get("size")
        if not isinstance(size, int) or not 0 <= size <= self.max_config_bytes:
            raise UnsupportedImage(
                f"image config of {size} bytes: the runner accepts configs of a declared size up "
                f"to {self.max_config_bytes} bytes",
                registry=fetch.registry,
                repository=fetch.repository,
            )
        blobs = [manifest.digest, config_desc["digest"], *(d["digest"] for d in layer_descs)]
        scratch = Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.cache_dir / "tmp"))
        try:
            config = load_config(fetch.blob(config_desc).read_bytes())
            check_platform(config, platform, manifest.digest, fetch.registry, fetch.repository)
            layers = [(fetch.blob(desc), desc.get("mediaType")) for desc in layer_descs]
            build_rootfs(
                layers,
                diff_ids(config),
                scratch,
                max_size=self.max_image_bytes,
                id_shift=self.id_shift,
            )
        except BaseException as err:
            shutil.rmtree(scratch, ignore_errors=True)  # a refused image leaves nothing behind
            if isinstance(err, _REFUSALS):  # not a network hiccup: a retry would fail the same
                self._forget_blobs(blobs)
            raise
        rootfs = self.cache_dir / "rootfs" / _hex(manifest.digest)
        os.rename(scratch, rootfs)
        record = {
            "digest": manifest.digest,
            "size": disk_usage(rootfs),
            "config": run_config(config),
            "blobs": blobs,
            "indexes": [index_digest] if index_digest else [],
            "id_shift": self.id_shift,
        }
        self._record(manifest.digest, ".lock").touch()
        _write_atomic(self._record(manifest.digest, ".json"), json.dumps(record).encode())
        _touch(self._record(manifest.digest, ".json"))
        return PulledImage(manifest.digest, rootfs, record["config"], record["size"])

    def _evict(self, keep: str) -> None:
        """Drop unreferenced blobs, then least recently used images, until under the budget."""
        total = self.usage()
        if total <= self.max_bytes:
            return
        records = self._records()
        by_age = sorted(records, key=lambda d: self._record(d, ".json").stat().st_mtime_ns)
        blobs_dir = self.cache_dir / "blobs" / "sha256"
        while True:
            referenced = {b for r in records.values() for b in r["blobs"] + r["indexes"]}
            for blob in blobs_dir.iterdir():
                if f"sha256:{blob.name}" not in referenced:
                    total -= blob.stat().st_size
                    blob.unlink()
            if total <= self.max_bytes or not by_age:
                break
            digest = by_age.pop(0)
            if digest != keep and self._try_remove_image(digest):
                total -= records.pop(digest)["size"]
        if total > self.max_bytes:
            log.warning("image cache holds %d bytes, over its %d budget", total, self.max_bytes)

    def _forget_blobs(self, digests: list[str]) -> None:
        """Delete the blobs of a refused image that no cached image uses."""
        referenced = {b for r in self._records().values() for b in r["blobs"] + r["indexes"]}
        for digest in set(digests) - referenced:
            (self.cache_dir / "blobs" / "sha256" / _hex(digest)).unlink(missing_ok=True)

    def _try_remove_image(self, digest: str) -> bool:
        with open(self._record(digest, ".lock"), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # leased by a running job
            # Move first: an interrupted delete must not leave a half rootfs under rootfs/.
            doomed = self.cache_dir / "tmp" / f"evict-{_hex(digest)}"
            os.rename(self.cache_dir / "rootfs" / _hex(digest), doomed)
            self._record(digest, ".json").unlink()
            shutil.rmtree(doomed)
            log.info("evicted image %s from the cache", digest)
            return True

    def _records(self) -> dict[str, dict[str, Any]]:
        records = {}
        for path in (self.cache_dir / "images").glob("*.json"):
            with contextlib.suppress(FileNotFoundError, ValueError):
                records[f"sha256:{path.stem}"] = json.loads(path.read_text())
        return records

    def _record(self, digest: str, suffix: str) -> Path:
        return self.cache_dir / "images" / f"{_hex(digest)}{suffix}"

    def _clear_tmp(self) -> None:
        # Called with the store lock held: anything in tmp/, and any partial download or
        # half-written record, belongs to an interrupted pull.
        for leftover in (self.cache_dir / "tmp").iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        for sub in ("blobs/sha256", "images"):
            for partial in (self.cache_dir / sub).glob(".*"):
                partial.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        deadline = time.monotonic() + self.lock_timeout
        with open(self.cache_dir / "lock", "a") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OCIError(
                            f"image cache {self.cache_dir} stayed locked by another pull for "
                            f"{self.lock_timeout:.0f} s"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class _Fetcher:
    """Reads blobs from the cache, fetching (and verifying) only what is missing."""

    def __init__(self, store: ImageStore, registry: str, repository: str) -> None:
        self.store = store
        self.registry = registry
        self.repository = repository
        self._client: RegistryClient | None = None

    def __enter__(self) -> _Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> RegistryClient:
        if self._client is None:
            self._client = self.store._client_factory(self.registry)
        return self._client

    def manifest(self, digest: str) -> Manifest:
        path = self._path(digest)
        if path.exists():
            raw = path.read_bytes()
            if sha256_digest(raw) == digest:
                data = json.loads(raw)
                return Manifest(data.get("mediaType", ""), raw, data, digest)
            path.unlink()  # corrupted on disk: fetch it again
        manifest = self.client.get_manifest(self.repository, digest)
        _write_atomic(path, manifest.raw)
        return manifest

    def blob(self, descriptor: dict[str, Any]) -> Path:
        digest, size = descriptor["digest"], descriptor.get("size")
        path = self._path(digest)
        if path.exists() and (size is None or path.stat().st_size == size):
            return path
        return self.client.fetch_blob(self.repository, digest, path, size)

    def _path(self, digest: str) -> Path:
        return self.store.cache_dir / "blobs" / "sha256" / _hex(digest)


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def _touch(path: Path) -> None:
    """Mark as used now. An explicit nanosecond time: the kernel's own file times are coarse
    (a few ms), which would make two quick uses tie in the LRU order."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
