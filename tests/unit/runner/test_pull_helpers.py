import json
import os
import stat

import pytest

from oci import UnsupportedImage
from oci.platform import host_platform, select_manifest
from oci.registry import MEDIA_OCI_INDEX, Manifest
from runner.images.pull import image_parts, load_config, prepare_mountpoints, run_config

D = {
    name: "sha256:" + c * 64 for name, c in [("amd", "a"), ("arm", "b"), ("v7", "c"), ("att", "d")]
}


def index(*entries):
    data = {"schemaVersion": 2, "mediaType": MEDIA_OCI_INDEX, "manifests": list(entries)}
    return Manifest(MEDIA_OCI_INDEX, json.dumps(data).encode(), data, "sha256:" + "0" * 64)


def entry(digest, os_name, arch, variant=None):
    platform = {"os": os_name, "architecture": arch}
    if variant:
        platform["variant"] = variant
    return {"digest": digest, "platform": platform}


INDEX = index(
    entry(D["att"], "unknown", "unknown"),
    entry(D["arm"], "linux", "arm64", "v8"),
    entry(D["amd"], "linux", "amd64"),
    entry(D["v7"], "linux", "arm", "v7"),
)


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (("linux", "amd64"), "amd"),
        (("linux", "arm64", "v8"), "arm"),
        (("linux", "arm64"), "arm"),
        (("linux", "arm", "v7"), "v7"),
    ],
)
def test_select_manifest_picks_the_platform(platform, expected):
    assert select_manifest(INDEX, platform, "reg", "repo") == D[expected]


def test_select_manifest_lists_what_is_offered_when_nothing_matches():
    with pytest.raises(
        UnsupportedImage, match="linux/s390x.*offers: unknown/unknown, linux/arm64/v8"
    ):
        select_manifest(INDEX, ("linux", "s390x"), "reg", "repo")


def test_host_platform_is_linux():
    assert host_platform()[0] == "linux"


def manifest(data, media_type="application/vnd.oci.image.manifest.v1+json"):
    return Manifest(media_type, json.dumps(data).encode(), data, "sha256:" + "1" * 64)


def test_image_parts_validates_the_manifest():
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D["amd"]}
    config = {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D["arm"]}
    assert image_parts(manifest({"config": config, "layers": [layer]}), "r", "p") == (
        config,
        [layer],
    )
    with pytest.raises(UnsupportedImage, match="schema 1"):
        image_parts(manifest({"schemaVersion": 1}, ""), "r", "p")
    with pytest.raises(UnsupportedImage, match="not a filesystem layer"):
        chart = {"mediaType": "application/vnd.cncf.helm.chart.v1", "digest": D["amd"]}
        image_parts(manifest({"config": config, "layers": [chart]}), "r", "p")
    with pytest.raises(UnsupportedImage, match="without a sha256 digest"):
        image_parts(manifest({"config": config, "layers": [{"digest": "md5:x"}]}), "r", "p")
    with pytest.raises(UnsupportedImage, match="is an index"):
        image_parts(manifest({}, MEDIA_OCI_INDEX), "r", "p")


def test_run_config_always_has_the_five_settings():
    assert run_config(load_config(b'{"config": {"Cmd": ["x"], "Labels": {"a": "b"}}}')) == {
        "Cmd": ["x"],
        "Labels": {"a": "b"},
        "Entrypoint": None,
        "Env": [],
        "WorkingDir": "",
        "User": "",
    }
    assert run_config(load_config(b"{}"))["Env"] == []


@pytest.mark.parametrize(
    ("blob", "field"),
    [
        (b'{"config": {"User": 1000}}', "config.User"),
        (b'{"config": {"Entrypoint": 5}}', "config.Entrypoint"),
        (b'{"config": {"Cmd": ["sh", 1]}}', "config.Cmd"),
        (b'{"config": {"Env": "A=1"}}', "config.Env"),
        (b'{"config": {"WorkingDir": ["/"]}}', "config.WorkingDir"),
        (b'{"config": []}', "config"),
        (b'{"architecture": 64}', "architecture"),
        (b'{"rootfs": {"diff_ids": [1]}}', "rootfs.diff_ids"),
    ],
)
def test_load_config_names_a_field_of_the_wrong_type(blob, field):
    with pytest.raises(UnsupportedImage, match=f"field '{field}' must be"):
        load_config(blob)


@pytest.mark.parametrize("blob", [b"not json", b"[1, 2]", b"[" * 100_000 + b"]" * 100_000])
def test_load_config_refuses_what_is_not_a_json_object(blob):
    with pytest.raises(UnsupportedImage, match="image config"):
        load_config(blob)


def test_prepare_mountpoints_creates_missing_dirs_and_leaves_symlinks(tmp_path):
    (tmp_path / "tmp").symlink_to("/var/tmp")
    prepare_mountpoints(tmp_path)
    for path in ("proc", "sys", "dev", "bencher/output"):
        assert (tmp_path / path).is_dir()
    assert os.readlink(tmp_path / "tmp") == "/var/tmp"
    other = tmp_path / "other"
    other.mkdir()
    prepare_mountpoints(other)
    assert stat.S_IMODE((other / "tmp").stat().st_mode) == 0o1777
