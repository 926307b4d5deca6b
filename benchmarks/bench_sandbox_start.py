"""Container start-to-exit time in the runc sandbox: as root with and without a user namespace,
and rootless.

    python benchmarks/bench_sandbox_start.py [--runs 30]

A busybox image whose command is ``true`` is pushed to a real docker-registry on 127.0.0.1 and
pulled twice into image stores under a mode-0711 temporary directory: once unpacked as is (for
``--userns off``) and once with owners shifted by ``USERNS_BASE`` (for ``--userns auto``, the
user namespace). Each run is ``RuncExecutor.run`` on its own fresh output directory, which is a
tmpfs mounted and unmounted around it as the daemon does (``runner.output_mount``): the wall
time covers writing the bundle, ``runc run`` (namespaces, mounts, seccomp, the process),
``runc delete`` and the mount and unmount. The rootless mode runs in a forked child that becomes
``nobody`` and enters its own user namespace as ``runner up`` does
(``runner.executors.rootless``), with its own image store; the parent asks it for one run at a
time. The modes alternate so that drift on a shared machine hits all alike. Median and 90th
percentile are printed, and the mount and unmount alone. Needs root, runc, docker-registry and
busybox-static.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pwd
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runner.executors import RunSpec  # noqa: E402
from runner.executors.rootless import enter_user_namespace  # noqa: E402
from runner.executors.runc import RuncExecutor  # noqa: E402
from runner.executors.userns import USERNS_BASE  # noqa: E402
from runner.images import ImageStore  # noqa: E402
from runner.output_mount import make_output_dir, release_output_dirs  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

OUTPUT_BYTES = 64 << 20
_PR_SET_DUMPABLE = 4


def _timed_run(image, executor, job_dir: Path) -> tuple[float, float, str | None]:
    """One container as the daemon runs it: (total seconds, mount+unmount seconds, error)."""
    output = job_dir / "iteration-0"
    started = time.monotonic()
    make_output_dir(output, OUTPUT_BYTES, mount=True)
    mounted = time.monotonic()
    spec = RunSpec(
        rootfs=image.rootfs, argv=["/bin/true"], env={"PATH": "/bin"}, output_dir=output, timeout=30
    )
    result = executor.run(spec, threading.Event())
    ran = time.monotonic()
    release_output_dirs(job_dir)
    ended = time.monotonic()
    shutil.rmtree(job_dir)
    error = result.error or (result.stderr if result.exit_code != 0 else None)
    return ended - started, (mounted - started) + (ended - ran), error


def _rootless_child(base: Path, registry_host: str, digest: str) -> tuple[int, int, int]:
    """Fork a child that runs one rootless container per byte it reads; (pid, to, from) fds."""
    nobody = pwd.getpwnam("nobody")
    home = base / "rootless"
    home.mkdir()
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    to_child, child_in = os.pipe()
    child_out, from_child = os.pipe()
    pid = os.fork()
    if pid:
        os.close(to_child)
        os.close(from_child)
        return pid, child_in, child_out
    os.close(child_in)  # else closing the parent's copy would not end the loop below
    os.close(child_out)
    try:
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
        # A uid change clears "dumpable", leaving /proc/self/*_map root's; runner up is exec'd.
        ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
        enter_user_namespace()  # single-threaded: fork copied only this thread
        store = ImageStore(home / "cache", 1 << 30)
        image = store.pull(registry_host, "bench/true", digest)
        executor = RuncExecutor(home / "state", rootless=True)
        n = 0
        while os.read(to_child, 1):
            n += 1
            total, mount, error = _timed_run(image, executor, home / "jobs" / str(n))
            os.write(from_child, f"{total} {mount} {error or ''}\n".encode())
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)


def _quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="containers per mode")
    args = parser.parse_args()
    if os.geteuid() != 0 or shutil.which("runc") is None:
        print("needs root and runc", file=sys.stderr)
        return 1
    base = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    base.chmod(0o711)  # the user namespace's root must reach the rootfs (runner.executors.userns)
    try:
        with run_registry(base / "registry") as registry:
            digest = push_image(registry.host, "bench/true", "v1", busybox_image("true"))
            modes = {}
            for name, shift in (("userns off", 0), ("userns", USERNS_BASE)):
                store = ImageStore(base / f"cache-{shift}", 1 << 30, id_shift=shift)
                image = store.pull(registry.host, "bench/true", digest)
                executor = RuncExecutor(base / f"state-{shift}", id_shift=shift)
                modes[name] = (image, executor)
            child, to_child, from_child = _rootless_child(base, registry.host, digest)
            replies = os.fdopen(from_child)
            times: dict[str, list[float]] = {name: [] for name in [*modes, "rootless"]}
            mounts: list[float] = []
            try:
                for i in range(args.runs + 1):  # the first round warms caches, not counted
                    runs = []
                    for name, (image, executor) in modes.items():
                        job_dir = base / "jobs" / f"{name.replace(' ', '-')}-{i}"
                        runs.append((name, *_timed_run(image, executor, job_dir)))
                    os.write(to_child, b"r")
                    total, mount, error = (replies.readline().rstrip("\n").split(" ", 2) + [""])[:3]
                    if not total:
                        print("rootless: the child ended (see its traceback above)")
                        return 1
                    runs.append(("rootless", float(total), float(mount), error or None))
                    for name, total, mount, error in runs:
                        if error:
                            print(f"{name}: run failed: {error}")
                            return 1
                        if i and name != "rootless":
                            mounts.append(mount)
                        if i:
                            times[name].append(total)
            finally:
                os.close(to_child)  # the child's read returns b"": it exits
                os.waitpid(child, 0)
        print(f"runc container start to exit ({args.runs} runs each, /bin/true, 64 MiB tmpfs)")
        for name, samples in times.items():
            print(f"  {name:<12} {_quantiles(samples)}")
        off, on, rootless = (statistics.median(times[n]) for n in times)
        print(f"  user namespace costs {1000 * (on - off):+.1f} ms per container (median)")
        print(f"  rootless costs {1000 * (rootless - off):+.1f} ms per container (median)")
        print(f"  output tmpfs mount + unmount alone (as root): {_quantiles(mounts)}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
