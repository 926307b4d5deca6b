"""Fixtures for the runner's OCI and sandbox tests: a real registry, an image store, runc."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oci.platform import host_platform
from runner.images import ImageStore
from tests.support.oci_image import build_image, push_image
from tests.support.registry import registry  # noqa: F401  (the session fixture)

_names = itertools.count()
PROBE_SOURCE = Path(__file__).parents[2] / "data" / "sandbox" / "probe.c"


@pytest.fixture
def repo_name(request):
    """A repository name no other test uses, so tests sharing the registry never collide."""
    return f"test/{request.node.name.split('[')[0].replace('_', '-')}-{next(_names)}"


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory):
    """An image store shared by the runc tests (pull once per image)."""
    return ImageStore(tmp_path_factory.mktemp("image-cache"), max_bytes=1 << 30)


@pytest.fixture
def pull(registry, shared_store):  # noqa: F811
    """Push an image under a fresh name and pull it into ``shared_store``."""
    counter = itertools.count()

    def push_and_pull(image):
        repository = f"test/runc-{os.getpid()}-{next(counter)}"
        digest = push_image(registry.host, repository, "v1", image)
        return shared_store.pull(registry.host, repository, digest)

    return push_and_pull


@pytest.fixture
def runc_executor(tmp_path):
    """A RuncExecutor; skipped only when runc is not installed or we are not root."""
    if shutil.which("runc") is None:
        pytest.skip("runc is not installed (apt-get install runc)")
    if os.geteuid() != 0:
        pytest.skip("the runc executor needs root")
    from runner.executors.runc import RuncExecutor

    return RuncExecutor(tmp_path / "runc-state")


@pytest.fixture(scope="session")
def probe_image(tmp_path_factory):
    """An image whose entrypoint is a static C probe reporting what the sandbox allows."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed (apt-get install gcc libc6-dev)")
    binary = tmp_path_factory.mktemp("probe") / "probe"
    subprocess.run(
        ["gcc", "-static", "-O1", "-o", str(binary), str(PROBE_SOURCE)], check=True, timeout=120
    )
    return build_image(
        {"/probe": binary.read_bytes()},
        executables={"/probe"},
        entrypoint=["/probe"],
        architecture=host_platform()[1],
    )
