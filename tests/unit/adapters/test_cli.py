"""`python -m adapters`: JSON on stdout and exit 0, or a message on stderr and exit 1 or 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import adapters
from tests.support.conformance import CONFORMANCE_DIR

from .corpus import tool_output

REPO_ROOT = Path(__file__).resolve().parents[3]
CASE = "rust/bench/many.txt"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def case_path(case: str) -> str:
    return str(CONFORMANCE_DIR / "adapters" / "tool_output" / case)


def test_file_argument_prints_bmf_json():
    completed = run("rust_bench", case_path(CASE))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == adapters.parse(tool_output(CASE), "rust_bench")
    assert completed.stderr == ""


def test_stdin_and_average_option_in_any_position():
    expected = adapters.parse(tool_output(CASE), "rust_bench", "median")
    for args in (("magic", "--average", "median"), ("--average", "median", "magic", "-")):
        completed = run(*args, stdin=tool_output(CASE))
        assert completed.returncode == 0, completed.stderr
        assert json.loads(completed.stdout) == expected
    completed = run("rust_bench", "--average", "median", case_path(CASE))
    assert json.loads(completed.stdout) == expected


def test_adapter_error_exits_1_with_the_message_on_stderr():
    completed = run("rust_bench", "--average", "mean", case_path(CASE))
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.startswith("error: rust_bench: the tool does not report the mean")


def test_output_without_benchmarks_exits_1():
    completed = run("json", stdin='{"b": {"latency": {"value": NaN}}}')
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "NaN is not a finite number" in completed.stderr


def test_usage_errors_exit_2():
    for args in (
        ("no_such_adapter",),
        ("rust_bench", "/no/such/file"),
        ("rust_bench", "--average", "mode"),
        (),
    ):
        completed = run(*args, stdin="")
        assert completed.returncode == 2, args
        assert completed.stdout == ""
        assert "usage:" in completed.stderr


def test_invalid_utf8_is_replaced_not_fatal():
    completed = subprocess.run(
        [sys.executable, "-m", "adapters", "go_bench"],
        input=b"Benchmark\xff-8   10   5 ns/op\n",
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0
    assert list(json.loads(completed.stdout)) == ["Benchmark\ufffd-8"]


def test_help_lists_every_adapter():
    completed = run("--help")
    assert completed.returncode == 0
    assert "rust_gungraun" in completed.stdout
