"""RegistryClient against a real docker-registry on loopback."""

import socket

import pytest

from oci import BlobVerificationError, ManifestNotFound, RegistryClient, RegistryUnreachable
from tests.support.oci_image import build_image, push_image

pytestmark = pytest.mark.registry


def unique_image(label):
    """An image whose layer no other test pushes (so tampering with it harms nobody)."""
    return build_image({"/data.txt": f"{label}-{id(object())}"}, cmd=["/bin/true"])


def test_resolve_digest_of_a_pushed_tag_is_the_manifest_digest(registry, repo_name):
    image = unique_image("resolve")
    pushed = push_image(registry.host, repo_name, "v1", image)
    with RegistryClient(registry.host) as client:
        assert client.resolve_digest(repo_name, "v1") == pushed == image.digest
        manifest = client.get_manifest(repo_name, pushed)
        assert manifest.raw == image.manifest.data
        assert manifest.media_type == "application/vnd.oci.image.manifest.v1+json"
        assert manifest.data["layers"][0]["digest"] == image.layers[0].digest


def test_missing_tag_and_missing_repository_are_not_found(registry, repo_name):
    push_image(registry.host, repo_name, "v1", unique_image("missing"))
    with RegistryClient(registry.host) as client:
        with pytest.raises(ManifestNotFound, match=f"{registry.host}/{repo_name}"):
            client.resolve_digest(repo_name, "no-such-tag")
        with pytest.raises(ManifestNotFound):
            client.resolve_digest("test/never-pushed", "v1")
        with pytest.raises(ManifestNotFound):
            client.get_manifest(repo_name, "sha256:" + "0" * 64)


def test_fetch_blob_streams_verified_content(registry, repo_name, tmp_path):
    image = unique_image("fetch")
    push_image(registry.host, repo_name, "v1", image)
    layer = image.layers[0]
    with RegistryClient(registry.host) as client:
        path = client.fetch_blob(repo_name, layer.digest, tmp_path / "layer", len(layer.data))
    assert path.read_bytes() == layer.data


def test_tampered_blob_in_registry_storage_is_rejected(registry, repo_name, tmp_path):
    image = unique_image("tamper")
    push_image(registry.host, repo_name, "v1", image)
    layer = image.layers[0]
    stored = registry.blob_path(layer.digest)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    stored.write_bytes(bytes(data))
    with RegistryClient(registry.host) as client:
        with pytest.raises(BlobVerificationError, match="hashes to"):
            client.fetch_blob(repo_name, layer.digest, tmp_path / "layer", len(layer.data))
    assert list(tmp_path.iterdir()) == []


def test_unreachable_registry(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with RegistryClient(f"127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(RegistryUnreachable, match=f"127.0.0.1:{port}/acme/x"):
            client.resolve_digest("acme/x", "v1")
