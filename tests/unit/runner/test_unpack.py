import hashlib
import io
import os
import stat
import tarfile

import pytest

from oci import CorruptLayerError, UnsafeLayerError
from runner.images import unpack_layer
from runner.images.unpack import detect_compression
from tests.support.oci_image import compress, layer_tar, malicious_layer


def make_tar(*entries):
    """entries: (name, type, extra) with extra = data for files, linkname for links."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, extra, *mode in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = mode[0] if mode else 0o644
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = extra
                tar.addfile(info)
            elif kind == tarfile.REGTYPE:
                info.size = len(extra)
                tar.addfile(info, io.BytesIO(extra))
            else:
                tar.addfile(info)
    return out.getvalue()


def unpack(tar_bytes, root, compression="none", **kw):
    blob = compress(tar_bytes, compression)
    return unpack_layer(io.BytesIO(blob.data), root, blob.media_type, **kw)


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    (tmp_path / "outside").mkdir()
    return path


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_unpacks_files_modes_and_symlinks_and_returns_diff_id(root, compression):
    tar = layer_tar(
        {"/bin/tool": b"#!/bin/sh\n", "/etc/conf": "x=1\n"},
        executables={"/bin/tool"},
        symlinks={"/usr/bin/tool": "/bin/tool", "/bin/rel": "tool"},
    )
    diff_id = unpack(tar, root, compression)
    assert diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert (root / "bin/tool").read_bytes() == b"#!/bin/sh\n"
    assert stat.S_IMODE((root / "bin/tool").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "etc/conf").stat().st_mode) == 0o644
    assert os.readlink(root / "usr/bin/tool") == "/bin/tool"
    assert os.readlink(root / "bin/rel") == "tool"


@pytest.mark.parametrize(
    ("magic", "kind"),
    [
        (b"\x1f\x8b\x08", "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"BZh9", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"bin/\x00\x00", "none"),
    ],
)
def test_compression_is_detected_by_magic(magic, kind):
    assert detect_compression(magic) == kind
    # a wrong media type does not matter: bytes decide
    assert detect_compression(magic, "application/vnd.oci.image.layer.v1.tar+zstd") == kind


def test_mislabelled_layer_is_read_by_its_magic(root):
    blob = compress(layer_tar({"f": "x"}), "gzip")
    unpack_layer(io.BytesIO(blob.data), root, "application/vnd.oci.image.layer.v1.tar+zstd")
    assert (root / "f").read_text() == "x"


@pytest.mark.parametrize(
    ("kind", "entry", "reason"),
    [
        ("dotdot", "../escaped", "'..'"),
        ("absolute", "/etc/escaped", "absolute path"),
        ("symlink", "escape/tmp/escaped", "outside the root"),
        ("hardlink", "passwd", "'..'"),
        ("device", "dev/kmem", "device files"),
    ],
)
def test_malicious_layers_are_refused_naming_the_entry(root, kind, entry, reason):
    with pytest.raises(UnsafeLayerError, match=reason) as caught:
        unpack(malicious_layer(kind), root, "gzip")
    assert caught.value.entry == entry
    assert entry in str(caught.value)


def test_write_through_escaping_symlink_is_refused(root, tmp_path):
    tar = make_tar(
        ("escape", tarfile.SYMTYPE, "../outside"),
        ("escape/pwned", tarfile.REGTYPE, b"x"),
    )
    with pytest.raises(UnsafeLayerError, match="outside the root"):
        unpack(tar, root)
    assert not (tmp_path / "outside" / "pwned").exists()


def test_escaping_symlink_from_a_lower_layer_is_not_followed(root, tmp_path):
    unpack(make_tar(("lib", tarfile.SYMTYPE, "../../outside")), root)
    with pytest.raises(UnsafeLayerError, match="lib/pwned"):
        unpack(make_tar(("lib/pwned", tarfile.REGTYPE, b"x")), root)
    assert not list((tmp_path / "outside").iterdir())


def test_file_over_escaping_symlink_replaces_the_link(root, tmp_path):
    unpack(make_tar(("f", tarfile.SYMTYPE, "../outside/f")), root)
    unpack(make_tar(("f", tarfile.REGTYPE, b"new")), root)
    assert not (root / "f").is_symlink()
    assert (root / "f").read_bytes() == b"new"
    assert not (tmp_path / "outside" / "f").exists()


def test_absolute_symlink_is_followed_inside_the_root(root):
    tar = make_tar(
        ("etc", tarfile.DIRTYPE, None, 0o755),
        ("conf", tarfile.SYMTYPE, "/etc"),
        ("conf/app.ini", tarfile.REGTYPE, b"inside"),
    )
    unpack(tar, root)
    assert (root / "etc/app.ini").read_bytes() == b"inside"


def test_symlink_loop_is_refused(root):
    tar = make_tar(
        ("a", tarfile.SYMTYPE, "b"),
        ("b", tarfile.SYMTYPE, "a"),
        ("a/file", tarfile.REGTYPE, b"x"),
    )
    with pytest.raises(UnsafeLayerError, match="too many levels"):
        unpack(tar, root)


def test_hardlinks_inside_the_root_work(root):
    tar = make_tar(
        ("data", tarfile.REGTYPE, b"payload"),
        ("copy", tarfile.LNKTYPE, "data"),
        ("./again", tarfile.LNKTYPE, "./data"),
    )
    unpack(tar, root)
    assert (root / "copy").read_bytes() == b"payload"
    assert os.stat(root / "copy").st_ino == os.stat(root / "data").st_ino
    assert os.stat(root / "again").st_ino == os.stat(root / "data").st_ino


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([("h", tarfile.LNKTYPE, "missing")], "does not exist"),
        ([("h", tarfile.LNKTYPE, "/etc/passwd")], "absolute path"),
        (
            [("x", tarfile.SYMTYPE, "../.."), ("h", tarfile.LNKTYPE, "x/etc/passwd")],
            "outside the root",
        ),
        ([("d", tarfile.DIRTYPE, None), ("h", tarfile.LNKTYPE, "d")], "is a directory"),
    ],
)
def test_bad_hardlinks_are_refused(root, entries, reason):
    with pytest.raises(UnsafeLayerError, match=reason) as caught:
        unpack(make_tar(*entries), root)
    assert caught.value.entry == "h"


def test_block_device_is_refused_and_fifo_is_skipped(root):
    with pytest.raises(UnsafeLayerError, match="device files"):
        unpack(make_tar(("dev/sda", tarfile.BLKTYPE, None)), root)
    unpack(make_tar(("pipe", tarfile.FIFOTYPE, None), ("after", tarfile.REGTYPE, b"ok")), root)
    assert not os.path.lexists(root / "pipe")
    assert (root / "after").read_bytes() == b"ok"


def test_whiteouts_remove_lower_entries(root):
    unpack(layer_tar({"a/b": "1", "a/c": "2", "d": "3"}, symlinks={"link": "d"}), root)
    unpack(layer_tar(whiteouts=["a/b", "d", "link"]), root)
    unpack(make_tar(("no/such/.wh.thing", tarfile.REGTYPE, b"")), root)  # nothing to hide
    assert sorted(os.listdir(root)) == ["a"]
    assert os.listdir(root / "a") == ["c"]


def test_opaque_directory_hides_lower_contents_but_keeps_its_own(root):
    unpack(layer_tar({"dir/old": "1", "dir/sub/older": "2", "keep/x": "3"}), root)
    # the marker comes after this layer's own entry: it must not delete it
    tar = make_tar(
        ("dir", tarfile.DIRTYPE, None, 0o755),
        ("dir/new", tarfile.REGTYPE, b"n"),
        ("dir/.wh..wh..opq", tarfile.REGTYPE, b""),
    )
    unpack(tar, root)
    assert os.listdir(root / "dir") == ["new"]
    assert (root / "keep/x").exists()


def test_directory_replaces_symlink_and_files_replace_dirs(root):
    unpack(make_tar(("lib", tarfile.SYMTYPE, "usr/lib"), ("thing/x", tarfile.REGTYPE, b"")), root)
    unpack(make_tar(("lib", tarfile.DIRTYPE, None, 0o755), ("thing", tarfile.REGTYPE, b"f")), root)
    assert (root / "lib").is_dir() and not (root / "lib").is_symlink()
    assert (root / "thing").read_bytes() == b"f"


def test_parent_that_is_a_file_is_refused(root):
    with pytest.raises(UnsafeLayerError, match="not a directory"):
        unpack(make_tar(("f", tarfile.REGTYPE, b""), ("f/child", tarfile.REGTYPE, b"")), root)


def test_setuid_bits_are_dropped_and_readonly_dirs_still_filled(root):
    tar = make_tar(
        ("ro", tarfile.DIRTYPE, None, 0o555),
        ("ro/su", tarfile.REGTYPE, b"x", 0o4755),
        ("tmp", tarfile.DIRTYPE, None, 0o1777),
    )
    unpack(tar, root)
    assert stat.S_IMODE((root / "ro/su").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "ro").stat().st_mode) == 0o555
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o1777


def test_uncompressed_size_is_bounded(root):
    tar = layer_tar({"big": b"\0" * 200_000})
    with pytest.raises(UnsafeLayerError, match="more than 100000 bytes"):
        unpack(tar, root, "gzip", max_size=100_000)


@pytest.mark.parametrize(
    "data",
    [
        b"\x1f\x8b" + b"garbage" * 100,
        compress(layer_tar({"f": "x" * 5000}), "gzip").data[:-40],
        compress(layer_tar({"f": "x" * 5000}), "zstd").data[:-20],
        b"not a tar at all" * 100,
    ],
    ids=["bad-gzip", "truncated-gzip", "truncated-zstd", "not-tar"],
)
def test_corrupt_layers_raise_corrupt_layer_error(root, data):
    with pytest.raises(CorruptLayerError, match="corrupt"):
        unpack_layer(io.BytesIO(data), root)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (("x" * 300, tarfile.REGTYPE, b"data"), "longer than 255 bytes"),
        (("d/" * 2100 + "f", tarfile.REGTYPE, b"data"), "longer than 4095 bytes"),
        (("link", tarfile.SYMTYPE, "t" * 5000), "cannot be created"),
    ],
    ids=["long-component", "long-path", "long-symlink-target"],
)
def test_names_the_kernel_cannot_create_are_refused(root, entry, reason):
    with pytest.raises(UnsafeLayerError, match=reason):
        unpack(make_tar(entry), root)
