"""The image builder: deterministic layers from files on disk, Dockerfile-like settings on a
base, and what an ELF binary needs to run."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tarfile

import pytest

from oci.base import BaseImage, busybox_base, elf_info, scratch_base
from oci.build import DOCKER_LAYER, add_layer
from oci.layers import layer_from_path
from oci.platform import host_platform


def _members(layer) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer.blob.path.read_bytes()))) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_a_directory_layer_keeps_modes_and_links_and_skips_special_files(tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "run").write_text("#!/bin/sh\n")
    (source / "run").chmod(0o750)
    (source / "sub" / "f").write_text("data")
    os.symlink("../run", source / "sub" / "link")
    os.mkfifo(source / "fifo")
    skipped = []
    out = tmp_path / "out"
    out.mkdir()
    layer = layer_from_path(source, "/opt/b", out, on_skip=lambda p, why: skipped.append(p.name))
    members = _members(layer)
    assert list(members) == ["opt", "opt/b", "opt/b/run", "opt/b/sub", "opt/b/sub/f",
                             "opt/b/sub/link"]  # fmt: skip
    assert members["opt/b/run"].mode == 0o750 and members["opt/b/sub/link"].linkname == "../run"
    assert skipped == ["fifo"]
    assert layer.blob.size == layer.blob.path.stat().st_size
    assert layer.diff_id != layer.blob.digest  # the uncompressed tar's digest


def test_the_same_tree_gives_the_same_digests(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a").write_text("a")
    digests = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        os.utime(source / "a", (1, 1 if name == "one" else 99999))  # times are not kept
        layer = layer_from_path(source, "/b", tmp_path / name)
        digests.append((layer.blob.digest, layer.diff_id))
    assert digests[0] == digests[1]


def test_a_single_file_goes_under_dest_with_its_name(tmp_path):
    (tmp_path / "tool").write_bytes(b"\x7fELF")
    out = tmp_path / "out"
    out.mkdir()
    assert "bench/tool" in _members(layer_from_path(tmp_path / "tool", "/bench", out))


def test_settings_change_like_a_dockerfile(tmp_path):
    (tmp_path / "f").write_text("x")
    layer = layer_from_path(tmp_path / "f", "/b", tmp_path)
    base = BaseImage("base", {"architecture": "amd64", "os": "linux",
                              "config": {"Env": ["PATH=/bin", "A=1"], "Cmd": ["old"]},
                              "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
                              "history": [{"created_by": "base"}]})  # fmt: skip
    image = add_layer(base.config, base.layers, layer, env={"A": "2", "B": "3"},
                      entrypoint=["/b/f"], workdir="/b")  # fmt: skip
    config = json.loads(image.config.data)
    assert config["config"] == {"Env": ["PATH=/bin", "A=2", "B=3"], "Entrypoint": ["/b/f"],
                                "WorkingDir": "/b"}  # fmt: skip
    assert config["rootfs"]["diff_ids"] == ["sha256:" + "1" * 64, layer.diff_id]
    assert config["history"][-1] == {"created_by": "bencher image push"}
    assert base.config["config"]["Cmd"] == ["old"]  # the base is not changed
    docker = add_layer(base.config, base.layers, layer, family="docker", cmd=["x"])
    assert json.loads(docker.manifest.data)["layers"][0]["mediaType"] == DOCKER_LAYER


@pytest.mark.skipif(not os.path.exists("/bin/busybox"), reason="needs busybox-static")
def test_elf_info_tells_static_from_dynamic():
    assert elf_info(shutil.which("busybox") or "/bin/busybox") == (host_platform()[1], True)
    arch, static = elf_info("/bin/ls")
    assert arch == host_platform()[1] and static is False


def test_non_elf_files_have_no_elf_info(tmp_path):
    (tmp_path / "script").write_text("#!/bin/sh\n")
    assert elf_info(tmp_path / "script") is None


def test_bases_know_whether_they_have_a_c_library():
    assert scratch_base("arm64").config["architecture"] == "arm64"
    assert not scratch_base().has_libc and scratch_base().layers == ()
    if os.path.exists("/bin/busybox"):
        base = busybox_base()
        assert not base.has_libc and len(base.layers) == 1
        assert base.config["config"]["Env"] == ["PATH=/bin"]
