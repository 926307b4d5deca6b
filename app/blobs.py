"""Blob storage for raw job output, behind a tiny interface (filesystem implementation)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.private import private_dir


class BlobNotFound(KeyError):
    pass


class FileBlobStore:
    """Blobs as files under one directory (0700, files 0600); writes are atomic (temp file +
    rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        private_dir(self.root)
        # mkstemp creates the file 0600, so a blob is private from its first byte.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def delete(self, key: str) -> None:
        """Remove the blob; a missing one is not an error (the deletion may be repeated)."""
        self._path(key).unlink(missing_ok=True)
