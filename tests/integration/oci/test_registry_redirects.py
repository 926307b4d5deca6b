"""The registry client follows redirects only to allowed hosts and repeats nothing a registry
says beyond its status code: real HTTP servers on loopback, the 'internal' one standing for a
URL a compromised registry would point us at."""

from __future__ import annotations

import hashlib
import json

import pytest

from oci import RegistryClient, RegistryError
from tests.support.http_stub import http_stub

BLOB = b"layer bytes" * 100
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
MANIFEST_DIGEST = "sha256:" + "a" * 64
SECRET = b"root:x:0:0:internal-only"


@pytest.fixture
def internal():
    """Stands for a host the registry must not lead us to; serves a secret everywhere."""
    with http_stub() as stub:
        for path in ("/v2/acme/app/manifests/v1", f"/v2/acme/app/blobs/{BLOB_DIGEST}", "/meta"):
            for method in ("GET", "HEAD"):
                stub.routes[(method, path)] = lambda h: (
                    200,
                    {"Docker-Content-Digest": MANIFEST_DIGEST},
                    SECRET if "blobs" not in h.path else BLOB,
                )
        # Named "localhost": another host than the registry's 127.0.0.1, still loopback.
        stub.host = stub.host.replace("127.0.0.1", "localhost")
        yield stub


@pytest.fixture
def registry_to(internal):
    """A registry whose every answer redirects to ``internal``."""
    with http_stub() as stub:
        for path in ("/v2/acme/app/manifests/v1", f"/v2/acme/app/blobs/{BLOB_DIGEST}"):
            for method in ("GET", "HEAD"):
                stub.routes[(method, path)] = lambda h: (
                    307,
                    {"Location": f"{internal.url}{h.path}"},
                    b"",
                )
        yield stub


def test_a_redirect_to_another_host_is_refused(registry_to, internal):
    with RegistryClient(registry_to.host) as client, pytest.raises(RegistryError) as err:
        client.resolve_digest("acme/app", "v1")
    assert f"redirected to {internal.host}, which is not an allowed host" in str(err.value)
    assert internal.seen == []


def test_a_redirect_to_an_allow_listed_registry_is_followed(registry_to, internal):
    with RegistryClient(registry_to.host, allowed_hosts=(internal.host,)) as client:
        assert client.resolve_digest("acme/app", "v1") == MANIFEST_DIGEST
    assert internal.seen == [("HEAD", "/v2/acme/app/manifests/v1")]


def test_blob_redirects_need_the_blob_redirect_setting(registry_to, internal, tmp_path):
    dest = tmp_path / "blob"
    with RegistryClient(registry_to.host) as client, pytest.raises(RegistryError) as err:
        client.fetch_blob("acme/app", BLOB_DIGEST, dest, len(BLOB))
    assert "BENCHER_BLOB_REDIRECT_HOSTS" in str(err.value)
    assert internal.seen == [] and not dest.exists()

    # Blob storage is not thereby trusted for manifests.
    with RegistryClient(registry_to.host, blob_redirect_hosts=(internal.host,)) as client:
        client.fetch_blob("acme/app", BLOB_DIGEST, dest, len(BLOB))
        with pytest.raises(RegistryError):
            client.get_manifest("acme/app", "v1")
    assert dest.read_bytes() == BLOB


def test_errors_repeat_no_remote_text():
    body = json.dumps(
        {"errors": [{"code": "DENIED", "message": "secret internal detail"}], "x": "y"}
    ).encode()
    with http_stub() as stub:
        stub.routes[("GET", "/v2/acme/app/manifests/v1")] = lambda h: (403, {}, body)
        stub.routes[("GET", "/v2/acme/app/manifests/v2")] = lambda h: (500, {}, SECRET)
        with RegistryClient(stub.host) as client:
            with pytest.raises(RegistryError) as denied:
                client.get_manifest("acme/app", "v1")
            with pytest.raises(RegistryError) as broken:
                client.get_manifest("acme/app", "v2")
    assert str(denied.value).endswith("manifest 'v1': HTTP 403 (DENIED)")
    assert str(broken.value).endswith("manifest 'v2': HTTP 500")
    for err in (denied.value, broken.value):
        assert "secret" not in str(err) and "root:x" not in str(err)
        assert "Forbidden" not in str(err) and "Internal Server Error" not in str(err)


def test_authentication_errors_repeat_no_remote_text():
    hostile = 'Bearer realm="http://127.0.0.1:1/<secret body>"'
    with http_stub() as stub:
        stub.routes[("GET", "/v2/acme/app/manifests/v1")] = lambda h: (
            401,
            {"WWW-Authenticate": "Weird<script> x"},
            b"",
        )
        stub.routes[("GET", "/v2/acme/app/manifests/v2")] = lambda h: (
            401,
            {"WWW-Authenticate": hostile},
            b"",
        )
        with RegistryClient(stub.host) as client:
            with pytest.raises(RegistryError) as scheme:
                client.get_manifest("acme/app", "v1")
            with pytest.raises(RegistryError) as realm:
                client.get_manifest("acme/app", "v2")
    assert "requires an unknown authentication" in str(scheme.value)
    assert "<script>" not in str(scheme.value)
    assert "<secret body>" not in str(realm.value)
