"""A directory a user namespace's root can reach: runc 1.1 mounts the rootfs and the output
directory from inside the namespace, so every parent must be searchable by others, which
pytest's own ``tmp_path`` (under a 0700 ``/tmp/pytest-of-root``) is not."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def searchable_dir():
    """A fresh mode-0711 directory under the system's temporary directory, removed after."""
    path = Path(tempfile.mkdtemp(prefix="bencher-userns-"))
    path.chmod(0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
