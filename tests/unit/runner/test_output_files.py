import pytest

from runner.job_errors import JobInputError, failure_reason
from runner.output_files import copy_output_file


@pytest.fixture
def out(tmp_path):
    path = tmp_path / "output"
    path.mkdir()
    (path / "r.json").write_text('{"a": 1}')
    (tmp_path / "secret").write_text("host file")
    return path


def _read(out, path, max_bytes=None):
    """The copied file's text, or None when nothing was copied."""
    dest = out.parent / "copy"
    dest.unlink(missing_ok=True)
    extra = {} if max_bytes is None else {"max_bytes": max_bytes}
    copied = copy_output_file(out, path, dest, **extra)
    return None if copied is None else copied.read_text()


def test_relative_and_absolute_names_copy_the_file(out):
    assert _read(out, "r.json") == '{"a": 1}'
    assert _read(out, "/bencher/output/r.json") == '{"a": 1}'
    assert _read(out, "missing.json") is None


def test_a_copy_stops_at_its_cap(out):
    (out / "big.txt").write_bytes(b"x" * 3_000_000)
    assert _read(out, "big.txt", max_bytes=2_500_000) == "x" * 2_500_000


def test_a_symlink_out_of_the_directory_is_not_followed(out):
    (out / "escape").symlink_to(out.parent / "secret")
    assert _read(out, "escape") is None


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("a\0b", "contains a NUL character"),
        ("x" * 300, "has a name longer than 255 bytes"),
        ("d/" * 2100 + "f", "is longer than 4095 bytes"),
        ("/etc/passwd", "is outside /bencher/output"),
        ("../secret", "must not contain '..'"),
        (5, "is not a string"),
        ("\ud800.json", "is not a valid file name"),
    ],
)
def test_a_name_that_cannot_name_an_output_file_is_a_job_error(out, path, reason):
    with pytest.raises(JobInputError, match=f"file_paths entry .* {reason}"):
        _read(out, path)


def test_a_symlink_to_itself_is_a_job_error(out):
    (out / "loop").symlink_to("loop")
    with pytest.raises(JobInputError, match="'loop' could not be read: symlink loop"):
        _read(out, "loop")


def test_failure_reason_words_each_kind_of_error(caplog):
    assert failure_reason(JobInputError("bad path"), "j1") == "bad path"
    assert not caplog.records  # the job's own mistake is not a runner error
    err = OSError(36, "File name too long", "/work/x")
    assert failure_reason(err, "j1") == (
        "the runner could not run the job: File name too long (/work/x)"
    )
    assert failure_reason(TypeError("bad"), "j1") == (
        "the runner could not run the job: TypeError: bad"
    )
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR"]
