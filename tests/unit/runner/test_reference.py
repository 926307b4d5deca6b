import pytest

from oci import ImageReference, InvalidReference, parse_reference

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("ubuntu", "docker.io", "library/ubuntu", "latest", None),
        ("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", None),
        ("acme/bench", "docker.io", "acme/bench", "latest", None),
        ("docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", None),
        ("index.docker.io/acme/x:v1", "docker.io", "acme/x", "v1", None),
        ("localhost/bench", "localhost", "bench", "latest", None),
        ("localhost:5000/acme/bench:v1", "localhost:5000", "acme/bench", "v1", None),
        ("127.0.0.1:5000/a/b/c:1.0-rc_1", "127.0.0.1:5000", "a/b/c", "1.0-rc_1", None),
        ("[::1]:5000/acme/bench", "[::1]:5000", "acme/bench", "latest", None),
        ("ghcr.io/acme/bench@" + DIGEST, "ghcr.io", "acme/bench", None, DIGEST),
        ("ghcr.io/acme/bench:v2@" + DIGEST, "ghcr.io", "acme/bench", "v2", DIGEST),
        ("Registry.Example.com/a__b/c-d.e", "Registry.Example.com", "a__b/c-d.e", "latest", None),
        ("a---b", "docker.io", "library/a---b", "latest", None),
    ],
)
def test_valid_references(text, registry, repository, tag, digest):
    ref = parse_reference(text)
    assert ref == ImageReference(registry, repository, tag, digest)


def test_canonical_string_and_reference_property():
    tagged = parse_reference("localhost:5000/acme/bench")
    assert str(tagged) == "localhost:5000/acme/bench:latest"
    assert tagged.reference == "latest"
    pinned = parse_reference("localhost:5000/acme/bench:v1@" + DIGEST)
    assert str(pinned) == f"localhost:5000/acme/bench:v1@{DIGEST}"
    assert pinned.reference == DIGEST
    assert parse_reference(str(pinned)) == pinned


def test_default_registry_is_configurable_and_skips_library_prefix():
    ref = parse_reference("bench", default_registry="localhost:5000")
    assert (ref.registry, ref.repository) == ("localhost:5000", "bench")


def test_reference_is_frozen():
    ref = parse_reference("ubuntu")
    with pytest.raises(AttributeError):
        ref.tag = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ubuntu latest", "whitespace"),
        ("Ubuntu", "lowercase"),
        ("acme/Bench", "lowercase"),
        ("acme//bench", "empty path component"),
        ("acme/bench/", "empty path component"),
        ("acme/-bench", "invalid repository path component"),
        ("acme/bench_", "invalid repository path component"),
        ("acme/bench:-v1", "invalid tag"),
        ("acme/bench:" + "x" * 129, "invalid tag"),
        ("acme/bench:", "invalid tag"),
        ("acme/bench@sha256:abc", "invalid digest"),
        ("acme/bench@sha256:" + "AB" * 32, "invalid digest"),
        ("acme/bench@md5:" + "ab" * 16, "invalid digest"),
        ("bad_host.io:5000/x", "invalid registry host"),
        ("localhost:5000/", "empty path component"),
        ("acme/" + "a" * 256, "longer than 255"),
    ],
)
def test_invalid_references_say_what_is_wrong(text, message):
    with pytest.raises(InvalidReference, match=message):
        parse_reference(text)


def test_invalid_reference_is_a_value_error():
    with pytest.raises(ValueError):
        parse_reference("UPPER")
