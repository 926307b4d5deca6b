"""Which redirect targets the registry client accepts, and how a target is named in errors."""

from __future__ import annotations

from oci.transport import allowed_target, host_of, printable_host, redirect_target

HOSTS = frozenset({"registry.example.com", "localhost:5000"})


def test_https_to_an_allowed_host_only():
    assert allowed_target("https://registry.example.com/v2/x", HOSTS)
    assert not allowed_target("https://evil.example.com/v2/x", HOSTS)
    assert not allowed_target("https://registry.example.com:8443/v2/x", HOSTS)  # another port
    assert not allowed_target("https://user@evil.example.com/x", HOSTS)


def test_plain_http_only_to_loopback_or_an_insecure_client():
    assert not allowed_target("http://registry.example.com/x", HOSTS)
    assert allowed_target("http://registry.example.com/x", HOSTS, allow_http=True)
    assert allowed_target("http://localhost:5000/x", HOSTS)
    assert not allowed_target("file:///etc/passwd", HOSTS | {""}, allow_http=True)


def test_redirect_targets_are_absolute():
    base = "https://registry.example.com/v2/a/blobs/x"
    assert redirect_target(307, base, "/elsewhere") == "https://registry.example.com/elsewhere"
    assert redirect_target(200, base, "/elsewhere") is None
    assert redirect_target(302, base, None) is None


def test_only_host_like_text_is_repeated():
    assert host_of("https://u:p@Reg.Example.com:443/x") == "reg.example.com:443"
    assert printable_host("https://reg.example.com:443/x") == "reg.example.com:443"
    assert printable_host("https://%0a<script>/x") == "another host"
