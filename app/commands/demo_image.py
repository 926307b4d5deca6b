"""The demo benchmark image that ``bencher server up`` pushes to its registry, so the ``Try:``
line it prints works as printed (``make demo`` pushes a slower build of it too)."""

from __future__ import annotations

from oci.base import busybox_base
from oci.build import add_layer
from oci.layers import layer_tar, memory_layer
from oci.push import push_image
from oci.reference import ImageReference

REPOSITORY = "demo/bench"
TAG = "v1"
#: Benchmark name -> latency in nanoseconds printed by the demo image.
BENCHMARKS = {"parse/small": 1200, "parse/large": 98000, "render/page": 45500}


def demo_script(slowdown: float = 1.0) -> str:
    """A shell script printing BENCHMARKS as Bencher Metric Format JSON, ``slowdown`` times
    slower."""
    results = ", ".join(
        f'"{name}": {{"latency": {{"value": {ns * slowdown:.0f}}}}}'
        for name, ns in BENCHMARKS.items()
    )
    return f"#!/bin/sh\n# The demo benchmark: prints BMF JSON.\necho '{{{results}}}'\n"


def push_demo_image(registry: str, tag: str = TAG, slowdown: float = 1.0) -> str:
    """Build the demo image (busybox + ``/bench/run.sh``) and push it as
    ``registry/demo/bench:tag``; the manifest digest."""
    base = busybox_base()
    layer = memory_layer(
        layer_tar({"/bench/run.sh": demo_script(slowdown)}, executables={"/bench/run.sh"})
    )
    image = add_layer(base.config, base.layers, layer, cmd=["/bench/run.sh"], workdir="/bench")
    return push_image(ImageReference(registry, REPOSITORY, tag, None), image)
