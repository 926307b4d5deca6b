"""The image store's limits against a real registry: config size, what an image unpacks to
(all layers together, sparse files at their apparent size), and a clean cache after a refusal."""

from __future__ import annotations

import json
import tarfile

import pytest

from oci import UnsafeLayerError, UnsupportedImage
from oci.base import busybox_layer
from oci.platform import host_platform
from runner.images import ImageStore
from tests.support.oci_image import (
    busybox_image,
    layer_tar,
    push_image,
    raw_config_image,
    sparse_layer,
)

pytestmark = pytest.mark.registry
MiB = 1024 * 1024


def _blobs(store: ImageStore) -> set[str]:
    return {p.name for p in (store.cache_dir / "blobs" / "sha256").iterdir()}


def _assert_nothing_cached(store: ImageStore, before: set[str]) -> None:
    assert list((store.cache_dir / "rootfs").iterdir()) == []
    assert list((store.cache_dir / "images").glob("*.json")) == []
    assert _blobs(store) <= before  # the refused image's blobs are gone too


def test_a_config_over_the_cap_is_refused_before_it_is_fetched(registry, repo_name, tmp_path):
    config = {"architecture": host_platform()[1], "os": "linux", "config": {"Cmd": ["true"]}}
    config["padding"] = "x" * (2 * MiB)
    image = raw_config_image(json.dumps(config).encode())
    digest = push_image(registry.host, repo_name, "v1", image)
    store = ImageStore(tmp_path / "cache", 1 << 30, max_config_bytes=1 * MiB)
    with pytest.raises(UnsupportedImage, match=r"configs of a declared size up to 1048576 bytes"):
        store.pull(registry.host, repo_name, digest)
    assert image.config.digest.split(":")[1] not in _blobs(store)  # never downloaded


def test_the_unpack_limit_is_per_image_not_per_layer(registry, repo_name, tmp_path):
    layers = [layer_tar({f"/part{i}": bytes(range(256)) * 4096}) for i in range(3)]  # 1 MiB each
    image = busybox_image("true")
    stacked = raw_config_image(
        json.dumps({"architecture": host_platform()[1], "os": "linux"}).encode(), layers
    )
    digest = push_image(registry.host, repo_name, "v1", stacked)
    with tarfile.open(fileobj=busybox_layer().blob.open(), mode="r:gz") as base:
        busybox_bytes = sum(512 + m.size for m in base)  # what UnpackBudget charges for it
    # Room for two of the three 1 MiB layers: each alone is well under the limit.
    store = ImageStore(tmp_path / "cache", 1 << 30, max_image_bytes=busybox_bytes + 2 * MiB + 4096)
    with pytest.raises(UnsafeLayerError, match="the image unpacks to more than"):
        store.pull(registry.host, repo_name, digest)
    _assert_nothing_cached(store, set())
    small = push_image(registry.host, repo_name, "small", image)
    assert store.pull(registry.host, repo_name, small).rootfs.is_dir()  # the store still works


def test_a_sparse_file_counts_at_its_apparent_size(registry, repo_name, tmp_path):
    layer = sparse_layer(64 * MiB)
    assert len(layer) < 64 * 1024  # a few kilobytes in the layer...
    image = raw_config_image(
        json.dumps({"architecture": host_platform()[1], "os": "linux"}).encode(), [layer]
    )
    digest = push_image(registry.host, repo_name, "v1", image)
    store = ImageStore(tmp_path / "cache", 1 << 30, max_image_bytes=16 * MiB)
    with pytest.raises(UnsafeLayerError, match="'sparse'.*more than 16777216 bytes"):
        store.pull(registry.host, repo_name, digest)  # ...but 64 MiB unpacked
    _assert_nothing_cached(store, set())
