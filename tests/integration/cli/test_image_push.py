"""``bencher image push`` against Debian's docker-registry: what lands in the registry is the
image the runner will pull, and every failure names its cause."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import socket
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import exit_codes
from cli.main import cli
from oci import ManifestNotFound, RegistryClient
from tests.support.registry import run_registry

pytestmark = pytest.mark.registry


def push(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["image", "push", *args], input=input)


def _pulled(registry: str, repository: str, tag: str, tmp_path: Path):
    """(config, [tar members of each layer]) of the image as a runner would fetch it."""
    with RegistryClient(registry) as client:
        manifest = client.get_manifest(repository, tag)
        config = client.fetch_blob(repository, manifest.data["config"]["digest"],
                                   tmp_path / "config", None)  # fmt: skip
        layers = []
        for i, layer in enumerate(manifest.data["layers"]):
            path = client.fetch_blob(repository, layer["digest"], tmp_path / f"l{i}", layer["size"])
            with tarfile.open(fileobj=io.BytesIO(gzip.decompress(path.read_bytes()))) as tar:
                layers.append({m.name: m for m in tar.getmembers()})
    return manifest, json.loads(config.read_bytes()), layers


@pytest.fixture
def bench_dir(tmp_path) -> Path:
    source = tmp_path / "bench"
    (source / "data").mkdir(parents=True)
    (source / "run.sh").write_text('#!/bin/sh\necho \'{"b": {"latency": {"value": 5}}}\'\n')
    (source / "run.sh").chmod(0o755)
    (source / "data" / "input.txt").write_text("x")
    (source / "data" / "input.txt").chmod(0o640)
    os.symlink("run.sh", source / "link")
    os.mkfifo(source / "pipe")
    return source


def test_a_directory_becomes_one_layer_on_busybox(registry, bench_dir, tmp_path):
    target = f"{registry.host}/acme/dir:v1"
    result = push(str(bench_dir), target, "--cmd", "./run.sh", "--env", "N=5")
    assert result.exit_code == 0, result.output
    manifest, config, (base, ours) = _pulled(registry.host, "acme/dir", "v1", tmp_path)
    assert result.stdout == f"{target}@{manifest.digest}\n"  # data on stdout, notes on stderr
    assert f"skipped {bench_dir / 'pipe'}: a FIFO" in result.stderr
    assert "bin/busybox" in base and "bin/sh" in base
    assert sorted(ours) == ["bench", "bench/data", "bench/data/input.txt", "bench/link",
                            "bench/run.sh"]  # fmt: skip
    assert ours["bench/run.sh"].mode == 0o755 and ours["bench/data/input.txt"].mode == 0o640
    assert ours["bench/link"].issym() and ours["bench/link"].linkname == "run.sh"
    assert {m.mtime for m in ours.values()} == {0} and {m.uid for m in ours.values()} == {0}
    run = config["config"]
    assert run["Cmd"] == ["./run.sh"] and run["WorkingDir"] == "/bench"
    assert run["Env"] == ["PATH=/bin", "N=5"]
    assert config["rootfs"]["diff_ids"][0] != config["rootfs"]["diff_ids"][1]

    again = push(str(bench_dir), target, "--cmd", "./run.sh", "--env", "N=5")
    assert again.stdout == result.stdout  # the same input gives the same digest
    assert "already in" in again.stderr and "pushing" not in again.stderr


def test_an_executable_file_becomes_the_command_of_a_scratch_image(registry, tmp_path):
    busybox = tmp_path / "busybox"
    shutil.copy("/bin/busybox", busybox)
    result = push(str(busybox), f"{registry.host}/acme/static:v1", "--base", "scratch", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # --quiet: only the reference
    _, config, (layer,) = _pulled(registry.host, "acme/static", "v1", tmp_path)
    assert config["config"]["Cmd"] == ["/bench/busybox"] and "bench/busybox" in layer


def test_a_dynamically_linked_binary_is_refused_before_pushing(registry):
    result = push("/bin/ls", f"{registry.host}/acme/dynamic:v1", "--base", "scratch")
    assert result.exit_code == exit_codes.USAGE
    assert "/bin/ls is dynamically linked, and the scratch base has no C library" in result.stderr
    with RegistryClient(registry.host) as client, pytest.raises(ManifestNotFound):
        client.resolve_digest("acme/dynamic", "v1")


def test_a_base_in_the_same_registry_is_mounted(registry, bench_dir, tmp_path):
    base = f"{registry.host}/acme/base:v1"
    assert push(str(bench_dir), base, "--cmd", "./run.sh").exit_code == 0
    result = push(str(bench_dir), f"{registry.host}/acme/derived:v1", "--base", base,
                  "--dest", "/extra", "--entrypoint", "/bin/sh -c")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.count("mounted from acme/base") == 2  # busybox and the bench layer
    _, config, layers = _pulled(registry.host, "acme/derived", "v1", tmp_path)
    assert len(layers) == 3 and "extra/run.sh" in layers[2]
    # an entrypoint clears the base's command (Docker's rule); the base's Env is kept
    assert config["config"]["Entrypoint"] == ["/bin/sh", "-c"] and "Cmd" not in config["config"]
    assert config["config"]["WorkingDir"] == "/extra" and config["config"]["Env"] == ["PATH=/bin"]


def test_a_base_in_another_registry_is_copied(registry, bench_dir, tmp_path):
    with run_registry(tmp_path / "other") as other:
        base = f"{other.host}/acme/base:v1"
        assert push(str(bench_dir), base).exit_code == 0
        result = push(str(bench_dir), f"{registry.host}/acme/copied:v1", "--base", base)
        assert result.exit_code == 0, result.output
        assert f"copied from {other.host}/acme/base" in result.stderr
    _, _, layers = _pulled(registry.host, "acme/copied", "v1", tmp_path)  # all here now
    assert len(layers) == 3


def test_an_unreachable_registry_exits_4_with_a_short_reason(bench_dir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = push(str(bench_dir), f"127.0.0.1:{port}/acme/x:v1")
    assert result.exit_code == exit_codes.UNREACHABLE
    assert (f"cannot reach http://127.0.0.1:{port} ([Errno 111] Connection refused); is the "
            "registry running?") in result.stderr  # fmt: skip
    assert "HTTPConnectionPool" not in result.stderr and "Max retries" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["127.0.0.1:1/Acme/x:v1"], "must be lowercase"),
        (["127.0.0.1:1/acme/x@sha256:" + "a" * 64], "push to a tag"),
        (["127.0.0.1:1/acme/x:v1", "--dest", "rel"], "must be an absolute path"),
        (["127.0.0.1:1/acme/x:v1", "--username", "me"], "--password-stdin"),
        (["127.0.0.1:1/acme/x:v1", "--password-stdin"], "--password-stdin needs --username"),
    ],
)
def test_usage_errors_exit_2_before_anything_is_sent(bench_dir, args, message):
    result = push(str(bench_dir), *args)
    assert result.exit_code == exit_codes.USAGE and message in result.stderr
