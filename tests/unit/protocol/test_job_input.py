"""The submit-time rules for a job's ``file_paths`` and ``env`` (shared by the CLI and the API):
each input that crashed the runner is refused with a reason."""

from __future__ import annotations

import pytest

from protocol.job_env import (
    MAX_ENV_BYTES,
    MAX_ENV_VARS,
    env_name_problem,
    env_problem,
    env_value_problem,
)
from protocol.output import (
    MAX_COMPONENT_BYTES,
    MAX_FILE_PATHS,
    file_paths_problem,
    output_path_problem,
)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("r\0.json", "contains a NUL character"),
        ("x" * 300, "has a name longer than 255 bytes"),
        ("sub/" + "é" * 128, "has a name longer than 255 bytes"),  # 256 bytes in UTF-8
        ("a/" * 2048 + "r.json", "is longer than 4095 bytes"),
        ("/etc/passwd", "is outside /bencher/output"),
        ("../../etc/passwd", "must not contain '..'"),
    ],
)
def test_hostile_file_paths_are_refused(path, problem):
    assert problem in output_path_problem(path)


def test_a_name_of_exactly_255_bytes_is_fine():
    assert output_path_problem("d/" + "x" * MAX_COMPONENT_BYTES) is None


def test_the_number_of_file_paths_is_bounded():
    assert file_paths_problem(["r.json"] * MAX_FILE_PATHS) is None
    assert "at most 64 files" in file_paths_problem(["r.json"] * (MAX_FILE_PATHS + 1))


@pytest.mark.parametrize("name", ["A", "_x", "PATH", "a_1"])
def test_shell_identifiers_are_valid_names(name):
    assert env_name_problem(name) is None


@pytest.mark.parametrize("name", ["SECRET\n", "1A", "A-B", "", "A=B", "A\0"])
def test_other_names_are_refused(name):
    assert "is not a valid variable name" in env_name_problem(name)


def test_a_nul_in_a_value_is_refused():
    assert env_value_problem("a=b c\n") is None
    assert "NUL" in env_value_problem("a\0b")


def test_the_environment_is_bounded_in_count_and_size():
    assert env_problem({f"V{i}": "x" for i in range(MAX_ENV_VARS)}) is None
    assert "at most 128" in env_problem({f"V{i}": "x" for i in range(MAX_ENV_VARS + 1)})
    assert "at most 65536" in env_problem({"BIG": "x" * MAX_ENV_BYTES})
