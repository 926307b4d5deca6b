"""Pushing needs write access: the pusher answers Basic and Bearer challenges with the
credentials it was given, asks for ``pull,push`` scopes, and rewinds an upload it resends."""

from __future__ import annotations

import base64

import requests

from oci.build import Blob
from oci.push import RegistryPusher
from tests.unit.runner.test_registry_client import FakeTransport

BASIC = "Basic " + base64.b64encode(b"me:secret").decode()


def pusher_for(routes, credentials=("me", "secret")):
    transport = FakeTransport(routes)
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    return RegistryPusher("reg.test", session=session, credentials=credentials), transport


def test_a_basic_challenge_is_answered_with_the_credentials():
    def head(request):
        if request.headers.get("Authorization") != BASIC:
            return 401, {"WWW-Authenticate": 'Basic realm="reg"'}, b""
        return 200, {}, b""

    pusher, transport = pusher_for({("HEAD", "/v2/acme/x/blobs/sha256:" + "a" * 64): head})
    assert pusher.blob_exists("acme/x", "sha256:" + "a" * 64) is True
    assert [r.headers.get("Authorization") for r in transport.requests] == [None, BASIC]


def test_a_bearer_token_is_fetched_with_the_credentials_for_push():
    challenge = 'Bearer realm="https://auth.test/token",service="reg.test"'

    def manifest(request):
        if request.headers.get("Authorization") != "Bearer pushy":
            return 401, {"WWW-Authenticate": challenge}, b""
        return 201, {"Docker-Content-Digest": "sha256:" + "b" * 64}, b""

    def token(request):
        assert request.headers.get("Authorization") == BASIC
        return 200, {}, b'{"token": "pushy"}'

    routes = {("PUT", "/v2/acme/x/manifests/v1"): manifest, ("GET", "/token"): token}
    pusher, transport = pusher_for(routes)
    blob = Blob("application/vnd.oci.image.manifest.v1+json", b"{}")
    assert pusher.put_manifest("acme/x", "v1", blob) == "sha256:" + "b" * 64
    assert "scope=repository%3Aacme%2Fx%3Apull%2Cpush" in transport.requests[1].url


def test_an_upload_that_must_be_resent_is_rewound():
    sent = []

    def put(request):
        body = request.body.read() if hasattr(request.body, "read") else request.body
        sent.append(body)
        if len(sent) == 1:
            return 401, {"WWW-Authenticate": 'Basic realm="reg"'}, b""
        return 201, {}, b""

    routes = {
        ("POST", "/v2/acme/x/blobs/uploads/"): (202, {"Location": "/upload/1"}, b""),
        ("PUT", "/upload/1"): put,
    }
    pusher, _ = pusher_for(routes)
    pusher.upload_blob("acme/x", Blob("application/octet-stream", b"layer bytes"))
    assert sent == [b"layer bytes", b"layer bytes"]
