"""What every program agrees on: which ``--file`` paths a job can hand back, and how sizes and
durations are written for people."""

from __future__ import annotations

import pytest

from protocol.output import OUTPUT_DIR, output_path_problem
from protocol.units import format_bytes, format_duration


@pytest.mark.parametrize("path", ["r.json", "sub/r.json", f"{OUTPUT_DIR}/r.json", "./r.json"])
def test_paths_under_the_output_directory_are_fine(path):
    assert output_path_problem(path) is None


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/tmp/r.json", "is outside /bencher/output"),
        ("/bencher/outputs/r.json", "is outside /bencher/output"),
        ("../r.json", "must not contain '..'"),
        ("/bencher/output/a/../../r.json", "must not contain '..'"),
        ("/bencher/output", "names /bencher/output itself"),
        ("", "is empty"),
        ("a\0b", "contains a NUL character"),
    ],
)
def test_other_paths_say_what_is_wrong(path, problem):
    assert problem in output_path_problem(path)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1536, "1.5 KiB"),
        (1 << 30, "1 GiB"),
        (268435456, "256 MiB"),
        (4 << 30, "4 GiB"),
        (5 << 50, "5 PiB"),
    ],  # fmt: skip
)
def test_sizes(size, text):
    assert format_bytes(size) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.42, "0.4s"), (59.9, "59.9s"), (65, "1m05s"), (3700, "1h01m")]
)
def test_durations(seconds, text):
    assert format_duration(seconds) == text
