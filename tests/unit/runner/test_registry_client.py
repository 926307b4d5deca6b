"""RegistryClient against an in-memory transport: no sockets, every exchange scripted."""

import hashlib
import json

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from oci import (
    BlobVerificationError,
    ManifestNotFound,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    RegistryUnreachable,
)
from oci.registry import MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, is_loopback

MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": MEDIA_OCI_MANIFEST, "layers": []}).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
BLOB = b"layer bytes" * 1000
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()


class FakeTransport(BaseAdapter):
    """Answers from ``routes[(method, path)]`` -> (status, headers, body) or a callable."""

    def __init__(self, routes):
        super().__init__()
        self.routes = routes
        self.requests = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        path = request.path_url.split("?")[0]
        handler = self.routes.get((request.method, path))
        if handler is None:
            status, headers, body = 404, {}, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}'
        elif callable(handler):
            status, headers, body = handler(request)
        else:
            status, headers, body = handler
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response.raw = _Raw(body if request.method != "HEAD" else b"")
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


class _Raw:
    def __init__(self, body):
        self._body, self._pos = body, 0

    def read(self, n=-1, **kwargs):
        n = len(self._body) - self._pos if n is None or n < 0 else n
        chunk = self._body[self._pos : self._pos + n]
        self._pos += len(chunk)
        return chunk

    def stream(self, n, decode_content=True):
        while chunk := self.read(n):
            yield chunk

    def close(self):
        pass

    def release_conn(self):
        pass


def client_for(routes, registry="reg.test"):
    transport = FakeTransport(routes)
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    return RegistryClient(registry, session=session), transport


def test_scheme_defaults_to_http_only_for_loopback():
    assert RegistryClient("127.0.0.1:5000").base_url == "http://127.0.0.1:5000"
    assert RegistryClient("localhost").base_url == "http://localhost"
    assert RegistryClient("[::1]:5000").base_url == "http://[::1]:5000"
    assert RegistryClient("ghcr.io").base_url == "https://ghcr.io"
    assert RegistryClient("ghcr.io", insecure=True).base_url == "http://ghcr.io"
    assert RegistryClient("localhost:5000", insecure=False).base_url == "https://localhost:5000"
    assert RegistryClient("docker.io").base_url == "https://registry-1.docker.io"
    assert not is_loopback("127.0.0.1.evil.com:5000")


def test_resolve_digest_uses_head_and_the_digest_header():
    head = (200, {"Docker-Content-Digest": DIGEST}, b"")
    client, transport = client_for({("HEAD", "/v2/acme/x/manifests/v1"): head})
    assert client.resolve_digest("acme/x", "v1") == DIGEST
    accept = transport.requests[0].headers["Accept"]
    assert MEDIA_OCI_MANIFEST in accept and MEDIA_OCI_INDEX in accept
    assert "application/vnd.docker.distribution.manifest.list.v2+json" in accept


def test_resolve_digest_hashes_the_body_when_the_header_is_missing():
    routes = {
        ("HEAD", "/v2/acme/x/manifests/v1"): (200, {}, b""),
        ("GET", "/v2/acme/x/manifests/v1"): (200, {"Content-Type": MEDIA_OCI_MANIFEST}, MANIFEST),
    }
    client, _ = client_for(routes)
    assert client.resolve_digest("acme/x", "v1") == DIGEST


def test_missing_tag_raises_manifest_not_found_naming_registry_and_repo():
    client, _ = client_for({})
    with pytest.raises(ManifestNotFound, match="reg.test/acme/x") as caught:
        client.resolve_digest("acme/x", "nope")
    assert (caught.value.registry, caught.value.repository) == ("reg.test", "acme/x")


def test_manifest_unknown_error_code_is_not_found_even_without_404():
    body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
    client, _ = client_for({("GET", "/v2/acme/x/manifests/v1"): (400, {}, body)})
    with pytest.raises(ManifestNotFound, match="MANIFEST_UNKNOWN"):
        client.get_manifest("acme/x", "v1")


def test_get_manifest_by_digest_verifies_the_bytes():
    good = {("GET", f"/v2/acme/x/manifests/{DIGEST}"): (200, {}, MANIFEST)}
    client, _ = client_for(good)
    manifest = client.get_manifest("acme/x", DIGEST)
    assert (manifest.digest, manifest.media_type, manifest.raw) == (
        DIGEST,
        MEDIA_OCI_MANIFEST,
        MANIFEST,
    )
    assert not manifest.is_index
    bad = {("GET", f"/v2/acme/x/manifests/{DIGEST}"): (200, {}, MANIFEST + b" ")}
    client, _ = client_for(bad)
    with pytest.raises(BlobVerificationError, match="hashes to"):
        client.get_manifest("acme/x", DIGEST)


def test_bearer_challenge_fetches_an_anonymous_token_once_per_scope():
    challenge = (
        'Bearer realm="https://auth.test/token",service="reg.test",scope="repository:acme/x:pull"'
    )
    token_requests = []

    def manifest(request):
        if request.headers.get("Authorization") == "Bearer T0K3N":
            return 200, {"Docker-Content-Digest": DIGEST}, b""
        return 401, {"WWW-Authenticate": challenge}, b""

    def token(request):
        token_requests.append(request.url)
        return 200, {}, b'{"token": "T0K3N", "expires_in": 300}'

    client, transport = client_for(
        {("HEAD", "/v2/acme/x/manifests/v1"): manifest, ("GET", "/token"): token}
    )
    assert client.resolve_digest("acme/x", "v1") == DIGEST
    assert client.resolve_digest("acme/x", "v1") == DIGEST
    assert len(token_requests) == 1
    assert "service=reg.test" in token_requests[0]
    assert "scope=repository%3Aacme%2Fx%3Apull" in token_requests[0]
    # 401, token, retry, then the second call goes straight through with the cached token
    assert len(transport.requests) == 4


def test_refused_token_and_basic_auth_raise_auth_errors():
    challenge = 'Bearer realm="https://auth.test/token",service="reg.test"'
    routes = {
        ("HEAD", "/v2/acme/x/manifests/v1"): (401, {"WWW-Authenticate": challenge}, b""),
        ("GET", "/token"): (200, {}, b'{"access_token": "nope"}'),
    }
    client, _ = client_for(routes)
    with pytest.raises(RegistryAuthError, match="private or does not exist"):
        client.resolve_digest("acme/x", "v1")
    routes[("GET", "/token")] = (403, {}, b"")
    client, _ = client_for(routes)
    with pytest.raises(RegistryAuthError, match="answered 403"):
        client.resolve_digest("acme/x", "v1")
    basic = {
        ("HEAD", "/v2/acme/x/manifests/v1"): (401, {"WWW-Authenticate": 'Basic realm="r"'}, b"")
    }
    client, _ = client_for(basic)
    with pytest.raises(RegistryAuthError, match="Basic authentication"):
        client.resolve_digest("acme/x", "v1")


def test_connection_errors_are_unreachable():
    def refuse(request):
        raise requests.ConnectionError("connection refused")

    client, _ = client_for({("HEAD", "/v2/acme/x/manifests/v1"): refuse})
    with pytest.raises(RegistryUnreachable, match="reg.test/acme/x: cannot reach"):
        client.resolve_digest("acme/x", "v1")


def test_server_errors_are_registry_errors():
    client, _ = client_for({("HEAD", "/v2/acme/x/manifests/v1"): (503, {}, b"")})
    with pytest.raises(RegistryError, match="HTTP 503"):
        client.resolve_digest("acme/x", "v1")


def test_fetch_blob_verifies_and_renames_into_place(tmp_path):
    client, _ = client_for({("GET", f"/v2/acme/x/blobs/{BLOB_DIGEST}"): (200, {}, BLOB)})
    dest = tmp_path / "blobs" / "layer"
    assert client.fetch_blob("acme/x", BLOB_DIGEST, dest, len(BLOB)) == dest
    assert dest.read_bytes() == BLOB
    assert sorted(p.name for p in dest.parent.iterdir()) == ["layer"]


@pytest.mark.parametrize(
    ("body", "size", "message"),
    [
        (BLOB[:-1] + b"X", len(BLOB), "hashes to"),
        (BLOB + b"extra", len(BLOB), "larger than its declared"),
        (BLOB, len(BLOB) + 1, "expected"),
    ],
)
def test_fetch_blob_rejects_tampered_content_and_leaves_no_file(tmp_path, body, size, message):
    client, _ = client_for({("GET", f"/v2/acme/x/blobs/{BLOB_DIGEST}"): (200, {}, body)})
    with pytest.raises(BlobVerificationError, match=message):
        client.fetch_blob("acme/x", BLOB_DIGEST, tmp_path / "layer", size)
    assert list(tmp_path.iterdir()) == []


def test_fetch_blob_refuses_non_sha256_digests(tmp_path):
    client, _ = client_for({})
    with pytest.raises(RegistryError, match="only sha256"):
        client.fetch_blob("acme/x", "sha512:" + "a" * 128, tmp_path / "x", None)
