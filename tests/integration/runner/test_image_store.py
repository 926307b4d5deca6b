"""ImageStore against a real registry: verification, caching, eviction, concurrency."""

import os
import threading

import pytest
import requests

from oci import BlobVerificationError, RegistryClient, UnsafeLayerError, UnsupportedImage
from oci.platform import host_platform
from runner.images import ImageStore
from tests.support.oci_image import (
    build_image,
    layer_tar,
    malicious_layer,
    push_image,
    push_index,
)

pytestmark = pytest.mark.registry


class CountingFactory:
    """A client factory whose clients count the HTTP requests they send."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()

    def __call__(self, registry):
        session = requests.Session()
        session.hooks["response"].append(self._record)
        return RegistryClient(registry, session=session)

    def _record(self, response, *args, **kwargs):
        with self._lock:
            self.requests.append((response.request.method, response.request.path_url))


def no_network(registry):
    raise AssertionError("the cached pull tried to contact the registry")


def sized_image(label, size=300_000):
    """An image with ``size`` incompressible bytes, so cache sizes are predictable."""
    payload = os.urandom(size)
    return build_image(
        {"/payload.bin": payload, "/label": label},
        entrypoint=["/bin/run"],
        cmd=["--x"],
        env={"PATH": "/bin", "MODE": label},
        workdir="/work",
        user="1000:1000",
        extra_layers=[layer_tar({"/etc/extra": "x"}, whiteouts=["label"])],
    )


def test_pull_unpacks_and_second_pull_does_no_network_io(registry, repo_name, tmp_path):
    image = sized_image("first")
    digest = push_image(registry.host, repo_name, "v1", image)
    counting = CountingFactory()
    store = ImageStore(tmp_path / "cache", 1 << 30, client_factory=counting)
    pulled = store.pull(registry.host, repo_name, digest)
    assert pulled.digest == digest
    assert pulled.config["Entrypoint"] == ["/bin/run"]
    assert pulled.config["Cmd"] == ["--x"]
    assert pulled.config["Env"] == ["PATH=/bin", "MODE=first"]
    assert (pulled.config["WorkingDir"], pulled.config["User"]) == ("/work", "1000:1000")
    assert (pulled.rootfs / "payload.bin").stat().st_size == 300_000
    assert (pulled.rootfs / "etc/extra").exists()
    assert not (pulled.rootfs / "label").exists()  # whited out by the second layer
    assert (pulled.rootfs / "bencher/output").is_dir()  # mount point prepared
    assert pulled.rootfs == tmp_path / "cache/rootfs" / digest.split(":")[1]
    blob_gets = [r for r in counting.requests if "/blobs/" in r[1]]
    assert len(blob_gets) == 3  # config + two layers, each fetched once

    again = ImageStore(tmp_path / "cache", 1 << 30, client_factory=no_network)
    assert again.pull(registry.host, repo_name, digest) == pulled


def test_index_is_resolved_to_this_platform_and_cached(registry, repo_name, tmp_path):
    here = host_platform()
    native = build_image({"/arch": "native"}, cmd=["/x"])
    other = build_image({"/arch": "other"}, cmd=["/x"], architecture="s390x")
    index_digest = push_index(
        registry.host, repo_name, "multi", [(other, ("linux", "s390x")), (native, here)]
    )
    with RegistryClient(registry.host) as client:
        assert client.resolve_digest(repo_name, "multi") == index_digest
    store = ImageStore(tmp_path / "cache", 1 << 30)
    pulled = store.pull(registry.host, repo_name, index_digest)
    assert pulled.digest == native.digest
    assert (pulled.rootfs / "arch").read_text() == "native"
    cached = ImageStore(tmp_path / "cache", 1 << 30, client_factory=no_network)
    assert cached.pull(registry.host, repo_name, index_digest) == pulled


def test_tampered_layer_is_rejected_and_nothing_is_kept(registry, repo_name, tmp_path):
    image = sized_image("tampered", 10_000)
    digest = push_image(registry.host, repo_name, "v1", image)
    stored = registry.blob_path(image.layers[0].digest)
    data = bytearray(stored.read_bytes())
    data[100] ^= 0x01
    stored.write_bytes(bytes(data))
    store = ImageStore(tmp_path / "cache", 1 << 30)
    with pytest.raises(BlobVerificationError, match="hashes to"):
        store.pull(registry.host, repo_name, digest)
    cache = tmp_path / "cache"
    assert list((cache / "rootfs").iterdir()) == []
    assert image.layers[0].digest.split(":")[1] not in os.listdir(cache / "blobs/sha256")


def test_malicious_layer_fails_the_pull_without_leaving_a_rootfs(registry, repo_name, tmp_path):
    image = build_image({"/ok": "fine"}, cmd=["/x"], extra_layers=[malicious_layer("symlink")])
    digest = push_image(registry.host, repo_name, "v1", image)
    store = ImageStore(tmp_path / "cache", 1 << 30)
    with pytest.raises(UnsafeLayerError, match="escape/tmp/escaped"):
        store.pull(registry.host, repo_name, digest)
    assert list((tmp_path / "cache/rootfs").iterdir()) == []
    good = push_image(registry.host, repo_name, "v2", build_image({"/ok": "x"}, cmd=["/x"]))
    store.pull(registry.host, repo_name, good)
    assert list((tmp_path / "cache/tmp").iterdir()) == []  # the failed unpack was cleared


def test_rootfs_left_by_a_crash_is_rebuilt(registry, repo_name, tmp_path):
    digest = push_image(registry.host, repo_name, "v1", build_image({"/f": "x"}, cmd=["/x"]))
    store = ImageStore(tmp_path / "cache", 1 << 30)
    pulled = store.pull(registry.host, repo_name, digest)
    (tmp_path / "cache/images" / f"{digest.split(':')[1]}.json").unlink()  # as if never recorded
    (pulled.rootfs / "f").write_text("half-written")
    again = store.pull(registry.host, repo_name, digest)
    assert (again.rootfs / "f").read_text() == "x"


def test_lru_eviction_keeps_the_cache_under_budget(registry, repo_name, tmp_path):
    digests = [
        push_image(registry.host, repo_name, f"v{i}", sized_image(f"lru{i}")) for i in range(4)
    ]
    store = ImageStore(tmp_path / "cache", 1 << 30)
    store.pull(registry.host, repo_name, digests[0])
    one_image = store.usage()
    store.max_bytes = int(one_image * 2.5)  # room for two images, not three
    store.pull(registry.host, repo_name, digests[1])
    store.pull(registry.host, repo_name, digests[0])  # touch: 1 is now least recently used
    leased = store.pull(registry.host, repo_name, digests[2])
    cached = lambda: sorted(os.listdir(tmp_path / "cache/rootfs"))  # noqa: E731
    hexes = [d.split(":")[1] for d in digests]
    assert cached() == sorted([hexes[0], hexes[2]])
    assert store.usage() <= store.max_bytes
    with store.lease(leased):
        store.pull(registry.host, repo_name, digests[3])
        # 0 is older than the leased 2, so 0 goes; 2 survives because it is in use
        assert cached() == sorted([hexes[2], hexes[3]])
    store.max_bytes = 1  # smaller than any image: keeps only the one being returned
    newest = store.pull(registry.host, repo_name, digests[1])
    assert cached() == [hexes[1]]
    assert newest.rootfs.is_dir()


def test_concurrent_pulls_of_one_digest_fetch_each_blob_once(registry, repo_name, tmp_path):
    digest = push_image(registry.host, repo_name, "v1", sized_image("concurrent"))
    counting = CountingFactory()
    store = ImageStore(tmp_path / "cache", 1 << 30, client_factory=counting)
    other = ImageStore(tmp_path / "cache", 1 << 30, client_factory=counting)
    results, errors = [], []

    def pull(s):
        try:
            results.append(s.pull(registry.host, repo_name, digest))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=pull, args=(s,)) for s in (store, other, store)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == 3 and len({r.rootfs for r in results}) == 1
    assert len([r for r in counting.requests if "/blobs/" in r[1]]) == 3


def test_single_platform_image_for_another_architecture_is_refused(registry, repo_name, tmp_path):
    foreign = build_image({"/f": "x"}, cmd=["/x"], architecture="s390x")
    digest = push_image(registry.host, repo_name, "v1", foreign)
    store = ImageStore(tmp_path / "cache", 1 << 30)
    with pytest.raises(UnsupportedImage, match="built for linux/s390x"):
        store.pull(registry.host, repo_name, digest, platform=("linux", "amd64"))
    assert list((tmp_path / "cache/rootfs").iterdir()) == []


@pytest.mark.parametrize("id_shift", [0, 100_000])
def test_only_the_path_to_a_rootfs_is_searchable_by_others(tmp_path, id_shift):
    previous = os.umask(0o022)  # the runner's
    try:
        store = ImageStore(tmp_path / "cache", 1 << 30, id_shift=id_shift)
    finally:
        os.umask(previous)
    modes = {
        path.relative_to(store.cache_dir).as_posix(): oct(path.stat().st_mode & 0o777)
        for path in [store.cache_dir, *store.cache_dir.rglob("*")]
        if path.is_dir()
    }
    reachable = oct(0o711 if id_shift else 0o700)  # a user namespace's root must reach a rootfs
    assert modes == {
        ".": reachable,
        "rootfs": reachable,
        "blobs": "0o700",
        "blobs/sha256": "0o700",
        "images": "0o700",
        "tmp": "0o700",
    }
