"""Benchmarks whose name ends in an ignore suffix: stored without it, never alerting."""

from __future__ import annotations

import json

import pytest

import adapters


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fib-bencher-ignore", ("fib", True)),
        ("fib_bencher_ignore", ("fib", True)),
        ("fibBencherIgnore", ("fib", True)),
        ("fib", ("fib", False)),
        ("fib-bencher-ignore-not", ("fib-bencher-ignore-not", False)),
        ("bencher-ignore", ("bencher-ignore", False)),
        ("fib_bencher_ignore_bencher_ignore", ("fib_bencher_ignore", True)),
        ("fib-BENCHER-IGNORE", ("fib-BENCHER-IGNORE", False)),
    ],
)
def test_split_ignore(name, expected):
    assert adapters.split_ignore(name) == expected


def test_parse_keeps_names_as_printed():
    output = (
        "test tests::fib_bencher_ignore ... bench:  10 ns/iter (+/- 1)\n"
        "test tests::fib ... bench:  20 ns/iter (+/- 1)\n"
    )
    results = adapters.parse(output, "rust_bench")
    assert list(results) == ["tests::fib_bencher_ignore", "tests::fib"]
    assert [adapters.split_ignore(name) for name in results] == [
        ("tests::fib", True),
        ("tests::fib", False),
    ]


@pytest.mark.parametrize("suffix", adapters.IGNORE_SUFFIXES)
def test_a_name_that_is_only_the_suffix_is_refused(suffix):
    with pytest.raises(adapters.AdapterError, match="empty once its ignore suffix is removed"):
        adapters.parse(json.dumps({suffix: {"latency": {"value": 1}}}), "json")
    with pytest.raises(adapters.AdapterError, match="empty once its ignore suffix is removed"):
        adapters.parse(f"{suffix}(RunTime): 1.0 us.\n", "dart_benchmark_harness")
