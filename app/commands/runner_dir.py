"""Where ``bencher server up`` keeps its local runner's image cache and job directories.

Not in the data directory: that is 0700 (it holds the database and secrets), and jobs run in a
user namespace whose root is an unprivileged host uid, which runc 1.1 makes traverse to the
image's root filesystem and the job's output mount (:mod:`runner.executors.userns`). So as root
the default is ``/var/lib/bencher-runner/<key>``, one directory per data directory (``key`` is
derived from its path, so a restart finds its image cache again and two instances never share
one), with every level mode 0711: searchable, not listable. Inside, the runner keeps what must
stay private private itself (runc bundles and job streams are 0700, output mounts belong to the
job's mapped uid). Not as root, the runner cannot use runc anyway, so the default stays inside
the data directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

SYSTEM_RUNNER_ROOT = Path("/var/lib/bencher-runner")
SEARCHABLE_DIR_MODE = 0o711
#: Where versions before the user namespace kept them, inside the data directory.
OLD_RUNNER_DIRS = ("runner-cache", "runner-work")


def default_runner_dir(data_dir: Path) -> Path:
    """The runner directory for ``data_dir`` when ``--runner-dir`` is not given."""
    if os.geteuid() != 0:
        return Path(data_dir) / "runner"
    key = hashlib.sha256(os.fsencode(Path(data_dir).resolve())).hexdigest()[:16]
    return SYSTEM_RUNNER_ROOT / key


def prepare_runner_dir(runner_dir: Path, data_dir: Path) -> tuple[Path, Path, list[Path]]:
    """Create the runner's ``cache`` and ``work`` directories (each level 0711 when it is ours
    to create), and remove the old layout's directories from ``data_dir``.

    Returns the cache and work directories and what was removed.
    """
    ours = [runner_dir, runner_dir / "cache", runner_dir / "work"]
    if runner_dir.parent == SYSTEM_RUNNER_ROOT:
        ours.insert(0, SYSTEM_RUNNER_ROOT)
    for path in ours:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, SEARCHABLE_DIR_MODE)
    removed = []
    for name in OLD_RUNNER_DIRS:
        old = Path(data_dir) / name
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return runner_dir / "cache", runner_dir / "work", removed
