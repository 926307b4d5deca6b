"""A job's ``/bencher/output`` on a size-limited tmpfs, so it cannot fill the runner's disk.

Each iteration's output directory is a tmpfs mounted on the host (the sandbox bind-mounts it)
with ``size`` = the spec's ``disk``, or the runner's ``--output-max-bytes`` when the spec has
none. A job writing past it gets ENOSPC. The runner reads the requested files from it after
the iteration and unmounts it when the job ends, before deleting the job's directory.

tmpfs pages are memory: they are charged to the memory cgroup of the process that writes them,
so output also counts against the job's memory limit while the container runs. Only the runc
executor mounts (it runs as root, or as root of a rootless runner's own user and mount namespace,
where the mount stays invisible to the host); the ``process`` executor is for development and
unbounded.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
from pathlib import Path

from runner.limits import DEFAULT_OUTPUT_MAX_BYTES

log = logging.getLogger("bencher.runner")

_MS_NOSUID, _MS_NODEV, _MNT_DETACH = 2, 4, 2
_libc = ctypes.CDLL(None, use_errno=True)


def output_size(job: dict, default: int = DEFAULT_OUTPUT_MAX_BYTES) -> int:
    """The byte size of the job's output mount: its spec's ``disk``, else ``default``."""
    disk = (job.get("spec") or {}).get("disk")
    return disk if isinstance(disk, int) and disk > 0 else default


def make_output_dir(path: Path, size: int, *, mount: bool) -> None:
    """Create the iteration's output directory and, when ``mount``, a ``size``-byte tmpfs on it."""
    path.mkdir(parents=True)
    if not mount:
        return
    options = f"size={size},mode=0700".encode()
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV, options):
        code = ctypes.get_errno()
        raise OSError(code, f"could not mount the output tmpfs: {os.strerror(code)}", str(path))


def prepare_jobs_dir(jobs_dir: Path) -> None:
    """Create ``jobs_dir`` searchable but not listable (0711), after unmounting and deleting the
    job directories a runner that died mid-job left there.

    Run at start-up: an output tmpfs left mounted would hold its memory until reboot. Mode
    0711: a user namespace's root must reach each job's output mount, but no local user should
    learn which jobs run (each job's streams are 0700, see :mod:`runner.output`).
    """
    if jobs_dir.is_dir():
        for job_dir in jobs_dir.iterdir():
            release_output_dirs(job_dir)
            shutil.rmtree(job_dir, ignore_errors=True)
    jobs_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(jobs_dir, 0o711)


def release_output_dirs(job_dir: Path) -> None:
    """Unmount every iteration's output tmpfs under ``job_dir`` (those not mounted are skipped).

    Called while the job's outcome is being reported: a failure is logged, never raised.
    """
    if not job_dir.is_dir():
        return
    for child in job_dir.iterdir():
        if _libc.umount2(os.fsencode(child), _MNT_DETACH) == 0:
            continue
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.EPERM):  # not a mount point; not root (none made)
            log.warning("could not unmount the output tmpfs %s: %s", child, os.strerror(code))
