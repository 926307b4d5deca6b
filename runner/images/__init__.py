"""Images on the runner: pull by digest (verified), unpack layers safely, cache with LRU eviction.

The registry protocol itself is the shared :mod:`oci` library; this package is what only a runner
does with an image: turn it into a root filesystem a sandbox can run.
"""

from runner.images.cache import ImageStore, PulledImage
from runner.images.unpack import unpack_layer

__all__ = ["ImageStore", "PulledImage", "unpack_layer"]
