"""Whether jobs run in a user namespace, and with which host ids (``--userns auto|off``).

In a user namespace, container ids ``0..65535`` are host ids ``USERNS_BASE..USERNS_BASE+65535``
(the range ``/etc/subuid`` conventionally gives the first user; rootless setups map the same
way): a job's root is an unprivileged host user, so a sandbox escape lands without root, and
files it leaves on the host belong to no real account. The image store shifts the owners of
unpacked files by the same amount, so an image's files keep their owners inside the container.

runc 1.1 performs the container's mounts from inside the namespace, as the mapped root: every
parent of the cache and work directories must be searchable by it (mode ``o+x``). ``auto`` uses
a user namespace when the kernel offers them and those paths are reachable; otherwise it falls
back, with a warning, to running jobs as host root inside the other namespaces, without
capabilities beyond ``CAP_KILL`` and ``CAP_NET_BIND_SERVICE`` and with ``noNewPrivileges``.

This is for a runner started by root; one started by another user runs rootless instead
(:mod:`runner.executors.rootless`).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("bencher.runner")

USERNS_BASE = 100_000
USERNS_MODES = ("auto", "off")


def choose_id_shift(mode: str, paths: Iterable[Path]) -> int:
    """The host id of container root: ``USERNS_BASE`` when jobs get a user namespace, else 0.

    ``paths`` are the directories the sandbox mounts from, or their parents (the image store
    makes its own directory searchable); they are created if missing.
    """
    if mode == "off":
        return 0
    if mode != "auto":
        raise ValueError(f"--userns must be one of {', '.join(USERNS_MODES)}, got {mode!r}")
    problem = kernel_problem()
    for path in paths:
        if problem:
            break
        Path(path).mkdir(parents=True, exist_ok=True)
        problem = unreachable_parent(Path(path))
    if problem:
        log.warning("jobs run as host root without a user namespace: %s", problem)
        return 0
    log.info("jobs run in a user namespace as host uids %d+", USERNS_BASE)
    return USERNS_BASE


def kernel_problem() -> str | None:
    """Why this kernel cannot give containers a user namespace, or None."""
    if not os.path.exists("/proc/self/ns/user"):
        return "the kernel has no user namespaces"
    try:
        limit = int(Path("/proc/sys/user/max_user_namespaces").read_text())
    except (OSError, ValueError):
        return None  # older kernels lack the knob and allow them
    return "user.max_user_namespaces is 0" if limit == 0 else None


def unreachable_parent(path: Path) -> str | None:
    """The first of ``path`` and its parents that an unrelated user cannot search, described,
    or None."""
    resolved = path.resolve()
    for parent in [*reversed(resolved.parents), resolved]:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return (
                f"{parent} is not searchable by other users (chmod o+x it, or put the cache and "
                "work directories elsewhere)"
            )
    return None
