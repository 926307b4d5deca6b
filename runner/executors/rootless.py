"""Rootless mode: a runner started by an unprivileged user runs runc inside its own user namespace.

``runner up`` started by a non-root user calls :func:`enter_user_namespace` before it starts any
thread: the process moves into a new user namespace, where its own uid and gid are root (the
only ids mapped), and a new mount namespace owned by it. Everything after runs there, like
rootless Docker under rootlesskit:

* runc runs as root of that namespace with ``--rootless true``: it creates the container's
  pid, network, ipc, uts and mount namespaces, which the namespace owns, and skips cgroups.
  The container stays in the runner's user namespace, so container root is the runner's host
  uid and every other id is unmapped: an escape lands as the unprivileged user who started the
  runner, and an image whose ``User`` is not root cannot run.
* the runner can mount the size-limited tmpfs for ``/bencher/output`` (tmpfs may be mounted in
  a mount namespace its user namespace owns) and the container bind-mounts it as in root mode.
  The mounts are invisible on the host and go with the namespace.
* the image store cannot give unpacked files other owners (only one id is mapped); all of them
  belong to the runner's user, which is root inside the container.

Not enforced: without a writable cgroup (none on cgroup v1; this runner does not use a
delegated cgroup v2 either) there are no memory, CPU or pids limits. ``runner up`` therefore
refuses to start rootless unless its operator passes ``--danger-no-limits``.

A runner started by root is unchanged (:mod:`runner.executors.userns`).
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from runner.executors.userns import kernel_problem

_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_libc = ctypes.CDLL(None, use_errno=True)


def enter_user_namespace() -> None:
    """Move this process into a new user and mount namespace where its own ids are root.

    Must run before any thread starts (the kernel refuses a multi-threaded caller). Raises
    ``OSError`` saying why when the kernel does not allow it.
    """
    problem = kernel_problem()
    if problem:
        raise OSError(f"a non-root runner needs user namespaces: {problem}")
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
        code = ctypes.get_errno()
        raise OSError(
            code,
            f"a non-root runner needs user namespaces, and the kernel refused one "
            f"({os.strerror(code)}; see kernel.unprivileged_userns_clone or AppArmor's "
            "restrict_unprivileged_userns)",
        )
    # Without "deny" an unprivileged process may not write gid_map.
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")


def maps_many_ids() -> bool:
    """Whether this process may give files other owners: root of a namespace mapping many ids.

    True for host root (every id is mapped); False for a rootless runner, whose namespace maps
    its one id, so the image store leaves every unpacked file owned by the runner's user.
    """
    if os.geteuid() != 0:
        return False
    try:
        lines = Path("/proc/self/uid_map").read_text().splitlines()
    except OSError:
        return True  # no procfs view of the map: the initial namespace
    return sum(int(line.split()[2]) for line in lines if line.strip()) > 1
