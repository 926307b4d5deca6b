"""The sandbox's hardening seen from inside a real runc container: a static C probe (compiled
with gcc, ``probe_image`` in conftest) reports what it may do, with and without a user namespace."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from runner.executors import RunSpec
from runner.executors.userns import USERNS_BASE
from runner.images import ImageStore
from tests.support.oci_image import push_image
from tests.support.userns import searchable_dir  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.registry, pytest.mark.runc]
EAFNOSUPPORT, ENOSYS = 97, 38


def _probe(registry, image, directory: Path, id_shift: int) -> tuple[dict[str, int], Path]:
    """Run the probe; its report and the output directory it wrote to."""
    from runner.executors.runc import RuncExecutor

    digest = push_image(registry.host, f"test/probe-{id_shift}", "v1", image)
    store = ImageStore(directory / "cache", 1 << 30, id_shift=id_shift)
    pulled = store.pull(registry.host, f"test/probe-{id_shift}", digest)
    executor = RuncExecutor(directory / "state", id_shift=id_shift)
    output = directory / "output"
    spec = RunSpec(
        rootfs=pulled.rootfs, argv=["/probe"], env={"PATH": "/"}, output_dir=output, timeout=30
    )
    result = executor.run(spec, threading.Event())
    assert result.error is None and result.exit_code == 0, (result.error, result.stderr)
    report = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    return {name: int(value) for name, value in report.items()}, output


@pytest.mark.parametrize("id_shift", [0, USERNS_BASE], ids=["host-root", "userns"])
def test_io_uring_and_foreign_socket_families_are_refused(
    runc_executor,
    registry,
    probe_image,
    searchable_dir,  # noqa: F811
    id_shift,
):
    report, _ = _probe(registry, probe_image, searchable_dir, id_shift)
    assert report["io_uring_setup"] == ENOSYS
    assert report["socket_unix"] == report["socket_inet"] == report["socket_inet6"] == 0
    for family in ("netlink", "vsock", "packet"):
        assert report[f"socket_{family}"] == EAFNOSUPPORT, family
    assert report["socketpair_netlink"] == EAFNOSUPPORT


@pytest.mark.parametrize("id_shift", [0, USERNS_BASE], ids=["host-root", "userns"])
def test_host_details_are_masked(runc_executor, registry, probe_image, searchable_dir, id_shift):  # noqa: F811
    report, _ = _probe(registry, probe_image, searchable_dir, id_shift)
    assert report["kallsyms_bytes"] == 0
    assert report["sys_firmware_entries"] == report["sys_kernel_entries"] == 0


def test_in_a_user_namespace_container_root_is_an_unprivileged_host_uid(
    runc_executor,
    registry,
    probe_image,
    searchable_dir,  # noqa: F811
):
    report, output = _probe(registry, probe_image, searchable_dir, USERNS_BASE)
    assert report["uid"] == 0  # root inside the container...
    assert report["uid_map_host"] == USERNS_BASE  # ...mapped to an unprivileged host uid
    assert report["output_writable"] == 1
    assert os.stat(output / "created").st_uid == USERNS_BASE
    rootfs_probe = next((searchable_dir / "cache" / "rootfs").glob("*/probe"))
    assert os.stat(rootfs_probe).st_uid == USERNS_BASE  # owners shifted at unpack


def test_without_a_user_namespace_jobs_run_as_host_root(
    runc_executor,
    registry,
    probe_image,
    searchable_dir,  # noqa: F811
):
    report, output = _probe(registry, probe_image, searchable_dir, 0)
    assert report["uid_map_host"] == 0
    assert os.stat(output / "created").st_uid == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="only root unpacks with the layers' owners")
def test_a_rootfs_cached_without_the_shift_is_unpacked_again_with_it(
    registry,
    probe_image,
    searchable_dir,  # noqa: F811
):
    digest = push_image(registry.host, "test/probe-reshift", "v1", probe_image)
    plain = ImageStore(searchable_dir / "cache", 1 << 30).pull(
        registry.host, "test/probe-reshift", digest
    )
    assert os.stat(plain.rootfs / "probe").st_uid == 0
    shifted = ImageStore(searchable_dir / "cache", 1 << 30, id_shift=USERNS_BASE).pull(
        registry.host, "test/probe-reshift", digest
    )
    assert os.stat(shifted.rootfs / "probe").st_uid == USERNS_BASE
    assert os.stat(searchable_dir / "cache").st_mode & 0o777 == 0o711
