"""The OCI runtime ``config.json`` for one job, and the rootfs user lookup it needs. Pure logic.

The sandbox, in the spirit of Docker's defaults but tighter:

* read-only root (the cached rootfs, shared by jobs), a writable tmpfs at ``/tmp`` and a bind
  of the job's output directory at ``/bencher/output``;
* new pid, network, ipc, uts and mount namespaces. The network namespace has only ``lo``: runc
  brings it up itself (its ``loopback`` network strategy), so a job can use 127.0.0.1 for its own
  servers and can reach nothing else, the host's loopback included;
* cgroup limits from the spec (memory with swap equal to memory, so no swapping; CPU quota over a
  100 ms period; pids);
* ``noNewPrivileges``, capabilities reduced to ``CAP_KILL`` and ``CAP_NET_BIND_SERVICE``, the
  masked and read-only ``/proc`` and ``/sys`` paths of Docker's default profile, and more
  masked paths that only describe the host's kernel and hardware (see ``MASKED_PATHS``);
* a seccomp deny-list (default allow) for namespace creation and mounting, kernel keyrings,
  modules, kexec, BPF, userfaultfd, perf events and clock setting. ``clone3`` returns ENOSYS so
  libc falls back to ``clone``, whose ``CLONE_NEWUSER`` flag is refused. ``io_uring_*`` return
  ENOSYS (as on a kernel without io_uring, so runtimes fall back to plain I/O): io_uring has
  been the kernel's most exploited interface and bypasses the syscall filter for the I/O it
  queues. ``socket`` and ``socketpair`` fail with EAFNOSUPPORT for every family but AF_UNIX,
  AF_INET and AF_INET6 (no netlink, vsock, packet, ...); the 32-bit ``socketcall`` multiplexer,
  whose arguments a filter cannot see, returns ENOSYS;
* with ``id_shift`` (see :mod:`runner.executors.userns`), a user namespace mapping container
  ids ``0..65535`` to host ids ``id_shift..id_shift+65535``: container root is an unprivileged
  host user;
* without a cgroup (``cgroups_path=None``, a rootless runner: :mod:`runner.executors.rootless`)
  no ``cgroupsPath``, no resource limits and no cgroupfs at ``/sys/fs/cgroup``: runc would
  bind the runner's own cgroup there, listing host pids, and it would hold no limits to read.
"""

from __future__ import annotations

import os
import platform
import stat
from pathlib import Path
from typing import Any

from runner.executors.base import CONTAINER_OUTPUT_DIR, RunSpec

CAPABILITIES = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
CPU_PERIOD_US = 100_000
NOFILE_LIMIT = 65536
MASKED_PATHS = [
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
    # Beyond Docker's list: host kernel and hardware details a benchmark has no use for.
    "/proc/kallsyms",
    "/proc/modules",
    "/proc/iomem",
    "/proc/ioports",
    "/proc/slabinfo",
    "/proc/vmallocinfo",
    "/proc/sys/kernel/random/boot_id",
    "/sys/devices/virtual/dmi",
    "/sys/kernel",
    "/sys/module",
]
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
DENIED_SYSCALLS = [
    "acct", "add_key", "adjtimex", "bpf", "clock_adjtime", "clock_settime", "delete_module",
    "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "init_module", "ioperm", "iopl",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mount", "mount_setattr",
    "move_mount", "name_to_handle_at", "open_by_handle_at", "open_tree", "perf_event_open",
    "pivot_root", "quotactl", "reboot", "request_key", "setns", "settimeofday", "swapoff",
    "swapon", "umount2", "unshare", "userfaultfd",
]  # fmt: skip
IO_URING_SYSCALLS = ["io_uring_enter", "io_uring_register", "io_uring_setup"]
# AF_UNIX, AF_INET, AF_INET6; every other family is refused. AF_MAX is below 64 on Linux.
ALLOWED_SOCKET_FAMILIES = (1, 2, 10)
USERNS_SIZE = 65536
_CLONE_NEWUSER = 0x10000000
_EPERM, _ENOSYS, _EAFNOSUPPORT = 1, 38, 97
_FAMILY_LIMIT = 64
_SECCOMP_ARCHES = {
    "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
}


def build_config(
    spec: RunSpec,
    *,
    uid: int,
    gid: int,
    env: dict[str, str],
    cgroups_path: str | None,
    tmp_size_bytes: int,
    nofile: int = NOFILE_LIMIT,
    hostname: str = "bencher",
    id_shift: int = 0,
) -> dict[str, Any]:
    """The runtime config for ``spec``; ``env`` is the final environment (already merged).

    ``nofile`` must not exceed the runner's own hard ``RLIMIT_NOFILE``: raising it is refused.
    ``uid`` and ``gid`` are inside the container; a non-zero ``id_shift`` adds a user namespace
    mapping them to host ids ``id_shift + id``. ``cgroups_path`` None: no cgroup, hence no
    limits (see the module docstring).
    """
    mounts: list[dict[str, Any]] = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        _tmpfs("/dev", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
        },
        _tmpfs("/dev/shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        {
            "destination": "/dev/mqueue",
            "type": "mqueue",
            "source": "mqueue",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/sys",
            "type": "sysfs",
            "source": "sysfs",
            "options": ["nosuid", "noexec", "nodev", "ro"],
        },
        _tmpfs("/tmp", ["nosuid", "nodev", "mode=1777", f"size={tmp_size_bytes}"]),
    ]
    if cgroups_path is not None:
        mounts.append(
            {
                # Runtimes (JVM, Go, .NET) read their memory and CPU limits from here.
                "destination": "/sys/fs/cgroup",
                "type": "cgroup",
                "source": "cgroup",
                "options": ["nosuid", "noexec", "nodev", "relatime", "ro"],
            }
        )
    if spec.output_dir is not None:
        mounts.append(
            {
                "destination": CONTAINER_OUTPUT_DIR,
                "type": "bind",
                "source": str(Path(spec.output_dir).resolve()),
                "options": ["rbind", "rw", "nosuid", "nodev"],
            }
        )
    caps = CAPABILITIES if uid == 0 else []
    namespaces = ["pid", "network", "ipc", "uts", "mount"]
    mappings: dict[str, Any] = {}
    if id_shift:
        namespaces.append("user")
        mapping = [{"containerID": 0, "hostID": id_shift, "size": USERNS_SIZE}]
        mappings = {"uidMappings": mapping, "gidMappings": mapping}
    cgroup: dict[str, Any] = {}
    if cgroups_path is not None:
        cgroup = {"cgroupsPath": cgroups_path, "resources": _resources(spec)}
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": uid, "gid": gid, "additionalGids": [gid]},
            "args": list(spec.argv),
            "env": [f"{k}={v}" for k, v in env.items()],
            "cwd": spec.cwd or "/",
            "capabilities": {
                "bounding": caps,
                "effective": caps,
                "permitted": caps,
                "inheritable": [],
                "ambient": [],
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": nofile, "soft": nofile}],
            "noNewPrivileges": True,
        },
        "root": {"path": str(Path(spec.rootfs).resolve()), "readonly": True},
        "hostname": hostname,
        "mounts": mounts,
        "linux": {
            **cgroup,
            "namespaces": [{"type": t} for t in namespaces],
            **mappings,
            "maskedPaths": MASKED_PATHS,
            "readonlyPaths": READONLY_PATHS,
            "seccomp": seccomp_profile(),
        },
    }


def _tmpfs(destination: str, options: list[str]) -> dict[str, Any]:
    return {"destination": destination, "type": "tmpfs", "source": "tmpfs", "options": options}


def _resources(spec: RunSpec) -> dict[str, Any]:
    resources: dict[str, Any] = {"devices": [{"allow": False, "access": "rwm"}]}
    if spec.memory_bytes is not None:
        resources["memory"] = {"limit": spec.memory_bytes, "swap": spec.memory_bytes}
    if spec.cpus is not None:
        quota = max(1000, int(spec.cpus * CPU_PERIOD_US))  # the kernel's minimum is 1 ms
        resources["cpu"] = {"quota": quota, "period": CPU_PERIOD_US}
    if spec.pids is not None:
        resources["pids"] = {"limit": spec.pids}
    return resources


def seccomp_profile() -> dict[str, Any]:
    """The deny-list profile described in the module docstring."""
    profile: dict[str, Any] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": DENIED_SYSCALLS, "action": "SCMP_ACT_ERRNO", "errnoRet": _EPERM},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": _ENOSYS},
            {"names": IO_URING_SYSCALLS, "action": "SCMP_ACT_ERRNO", "errnoRet": _ENOSYS},
            {"names": ["socketcall"], "action": "SCMP_ACT_ERRNO", "errnoRet": _ENOSYS},
            *_socket_family_rules(),
            {
                "names": ["clone"],
                "action": "SCMP_ACT_ERRNO",
                "errnoRet": _EPERM,
                "args": [
                    {
                        "index": 0,
                        "value": _CLONE_NEWUSER,
                        "valueTwo": _CLONE_NEWUSER,
                        "op": "SCMP_CMP_MASKED_EQ",
                    }
                ],
            },
        ],
    }
    arches = _SECCOMP_ARCHES.get(platform.machine())
    if arches:
        # Without the compat architectures a 32-bit syscall would skip the deny-list.
        profile["architectures"] = arches
    return profile


def _socket_family_rules() -> list[dict[str, Any]]:
    """Refuse ``socket``/``socketpair`` for each family outside ALLOWED_SOCKET_FAMILIES.

    One rule per refused value (rules are ORed, comparisons within a rule ANDed), plus one for
    every value from ``_FAMILY_LIMIT`` up.
    """
    refused = [f for f in range(_FAMILY_LIMIT) if f not in ALLOWED_SOCKET_FAMILIES]
    comparisons = [{"index": 0, "value": f, "op": "SCMP_CMP_EQ"} for f in refused]
    comparisons.append({"index": 0, "value": _FAMILY_LIMIT, "op": "SCMP_CMP_GE"})
    return [
        {
            "names": ["socket", "socketpair"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": _EAFNOSUPPORT,
            "args": [comparison],
        }
        for comparison in comparisons
    ]


def resolve_user(rootfs: Path, user: str) -> tuple[int, int, str]:
    """``(uid, gid, home)`` for an image's ``User`` (``""``, ``uid``, ``uid:gid``, names).

    Names are looked up in the rootfs' ``/etc/passwd`` and ``/etc/group``, which are read only
    if no path component is a symlink (they must not lead to the host's files). Raises
    ``ValueError`` for an unknown name.
    """
    if not user:
        return 0, 0, "/root"
    name, _, group = user.partition(":")
    passwd = _read_in_root(rootfs, "etc/passwd")
    entry = _lookup(passwd, name)
    if entry is not None and entry[3].isdigit():
        uid, gid, home = int(entry[2]), int(entry[3]), entry[5] or "/"
    elif name.isdigit():
        uid, gid, home = int(name), int(name), "/"
    else:
        raise ValueError(f"user {name!r} is not in the image's /etc/passwd")
    if group:
        group_entry = _lookup(_read_in_root(rootfs, "etc/group"), group)
        if group_entry is not None:
            gid = int(group_entry[2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise ValueError(f"group {group!r} is not in the image's /etc/group")
    return uid, gid, home


def _lookup(text: str, key: str) -> list[str] | None:
    """The passwd/group line whose name or numeric id is ``key``, padded to 7 fields."""
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit() and key in (fields[0], fields[2]):
            return fields + [""] * (7 - len(fields))
    return None


def _read_in_root(rootfs: Path, relative: str) -> str:
    path = Path(rootfs)
    for part in relative.split("/"):
        path = path / part
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return ""
        except FileNotFoundError:
            return ""
    try:
        return path.read_text(errors="replace")[: 1 << 20]
    except OSError:
        return ""
