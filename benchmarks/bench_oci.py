"""Time the runner's image and sandbox path on this machine.

    python benchmarks/bench_oci.py [--runs 10]

Prints, as medians: a cold pull (fetch + verify + unpack) of a small busybox image from a local
docker-registry, a cached pull of the same digest, and the overhead of starting a runc container
that runs ``true`` (with the process executor's for comparison). Needs docker-registry and
busybox-static; the runc line needs runc and root and is skipped otherwise.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runner.executors import RunSpec  # noqa: E402
from runner.executors.process import ProcessExecutor  # noqa: E402
from runner.images import ImageStore  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms  (min {min(samples) * 1000:.2f})"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bench-oci-") as scratch_name:
        scratch = Path(scratch_name)
        with run_registry(scratch) as registry:
            image = busybox_image("true")
            digest = push_image(registry.host, "bench/busybox", "v1", image)
            size = sum(len(layer.data) for layer in image.layers)
            print(f"image: busybox, {len(image.layers)} layer(s), {size / 1e6:.2f} MB compressed")

            cold = []
            for run in range(runs):
                store = ImageStore(scratch / f"cold-{run}", 1 << 30)
                cold.append(timed(lambda s=store: s.pull(registry.host, "bench/busybox", digest)))
                shutil.rmtree(scratch / f"cold-{run}")
            print(f"cold pull + verify + unpack: {median_ms(cold)}")

            store = ImageStore(scratch / "warm", 1 << 30)
            pulled = store.pull(registry.host, "bench/busybox", digest)
            warm = [
                timed(lambda: store.pull(registry.host, "bench/busybox", digest))
                for _ in range(runs)
            ]
            print(f"cached pull:                 {median_ms(warm)}")

        spec = RunSpec(rootfs=pulled.rootfs, argv=["/bin/true"], env={"PATH": "/bin"}, timeout=30)
        process = ProcessExecutor()
        samples = [timed(lambda: process.run(spec, threading.Event())) for _ in range(runs)]
        print(f"process executor, true:      {median_ms(samples)}")
        if shutil.which("runc") is None or os.geteuid() != 0:
            print("runc executor: skipped (needs runc and root)")
            return
        from runner.executors.runc import RuncExecutor

        runc = RuncExecutor(scratch / "runc-state")
        results, samples = [], []
        for _ in range(runs):
            samples.append(timed(lambda: results.append(runc.run(spec, threading.Event()))))
        failed = [r for r in results if r.exit_code != 0]
        if failed:
            print(f"runc executor failed: {failed[0]}")
            return
        print(f"runc container, true:        {median_ms(samples)}  (create, run, delete)")


if __name__ == "__main__":
    main()
