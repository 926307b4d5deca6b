"""Container start-to-exit time in the runc sandbox, with and without a user namespace.

    python benchmarks/bench_sandbox_start.py [--runs 30]

A busybox image whose command is ``true`` is pushed to a real docker-registry on 127.0.0.1 and
pulled twice into image stores under a mode-0711 temporary directory: once unpacked as is (for
``--userns off``) and once with owners shifted by ``USERNS_BASE`` (for ``--userns auto``, the
user namespace). Each run is ``RuncExecutor.run`` on its own fresh output directory, which is a
tmpfs mounted and unmounted around it as the daemon does (``runner.output_mount``): the wall
time covers writing the bundle, ``runc run`` (namespaces, mounts, seccomp, the process),
``runc delete`` and the mount and unmount. The two modes alternate so that drift on a shared
machine hits both alike. Median and 90th percentile are printed, and the mount and unmount
alone. Needs root, runc, docker-registry and busybox-static.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runner.executors import RunSpec  # noqa: E402
from runner.executors.runc import RuncExecutor  # noqa: E402
from runner.executors.userns import USERNS_BASE  # noqa: E402
from runner.images import ImageStore  # noqa: E402
from runner.output_mount import make_output_dir, release_output_dirs  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

OUTPUT_BYTES = 64 << 20


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
            times: dict[str, list[float]] = {name: [] for name in modes}
            mounts: list[float] = []
            for i in range(args.runs + 1):  # the first round warms caches and is not counted
                for name, (image, executor) in modes.items():
                    job_dir = base / "jobs" / f"{name.replace(' ', '-')}-{i}"
                    output = job_dir / "iteration-0"
                    started = time.monotonic()
                    make_output_dir(output, OUTPUT_BYTES, mount=True)
                    mounted = time.monotonic()
                    spec = RunSpec(
                        rootfs=image.rootfs,
                        argv=["/bin/true"],
                        env={"PATH": "/bin"},
                        output_dir=output,
                        timeout=30,
                    )
                    result = executor.run(spec, threading.Event())
                    ran = time.monotonic()
                    release_output_dirs(job_dir)
                    ended = time.monotonic()
                    shutil.rmtree(job_dir)
                    if result.error or result.exit_code != 0:
                        print(f"{name}: run failed: {result.error or result.stderr}")
                        return 1
                    if i:
                        times[name].append(ended - started)
                        mounts.append((mounted - started) + (ended - ran))
        print(f"runc container start to exit ({args.runs} runs each, /bin/true, 64 MiB tmpfs)")
        for name, samples in times.items():
            print(f"  {name:<12} {_quantiles(samples)}")
        off, on = (statistics.median(times[n]) for n in ("userns off", "userns"))
        print(f"  user namespace costs {1000 * (on - off):+.1f} ms per container (median)")
        print(f"  output tmpfs mount + unmount alone: {_quantiles(mounts)}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
